import { afterEach, describe, expect, it } from "vitest"
import { column, isPluginError } from "@dockstat/plugin-schema"

import { retryWhileBusy } from "./busy-retry.ts"
import { DB, HOST_BUSY_TIMEOUT_MS } from "./db.ts"
import { fromSqliteError } from "./errors.ts"
import { ensurePluginTable } from "./plugin-table.ts"
import { createTableApi } from "./table-api.ts"
import { useTempDbPath } from "./test-helpers.ts"

const dbPath = useTempDbPath()
const open: DB[] = []
afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

async function setup() {
  const path = dbPath()
  const host = new DB(path)
  const other = new DB(path, { migrate: false, busyTimeoutMs: 0 })
  open.push(other, host)
  const config = { name: "items", columns: { id: column.id(), name: column.text({ notNull: true }) } }
  await ensurePluginTable(host, "p", config)
  return { host, other, table: createTableApi(host.client, "items", config.columns) }
}

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

describe("a busy database", () => {
  it("makes a plugin's write fail fast with DATABASE_BUSY (503, Retry-After) and leaves the connection usable", async () => {
    const { host, other, table } = await setup()
    other.client.exec("BEGIN IMMEDIATE")
    const started = performance.now()
    const error = caught(() => table.insert({ name: "a" }))
    expect(performance.now() - started).toBeLessThan(HOST_BUSY_TIMEOUT_MS + 1000)
    expect(isPluginError(error) && { code: error.code, status: error.status, headers: error.headers }).toEqual({ code: "DATABASE_BUSY", status: 503, headers: { "Retry-After": "1" } })
    expect(isPluginError(caught(() => table.insert([{ name: "b" }, { name: "c" }])))).toBe(true)
    expect(isPluginError(caught(() => table.where({ id: 1 }).update({ name: "x" })))).toBe(true)
    other.client.exec("ROLLBACK")
    // libsql leaves a statement that failed busy "in progress", and every later COMMIT of the connection
    // then fails: writes take the lock first (BEGIN IMMEDIATE) so that never happens.
    expect(table.insert({ name: "a" })).toMatchObject({ changes: 1 })
    expect(host.transaction(() => table.insert([{ name: "b" }, { name: "c" }]))).toMatchObject({ changes: 2 })
    expect(table.count()).toBe(3)
  })

  it("is waited out between tries by retryWhileBusy, with the event loop free, and reported as DATABASE_BUSY after its timeout", async () => {
    const { host, other } = await setup()
    other.client.exec("BEGIN IMMEDIATE")
    let ticks = 0
    const ticker = setInterval(() => ticks++, 5)
    setTimeout(() => other.client.exec("ROLLBACK"), 200)
    try {
      await retryWhileBusy(() => host.transaction(() => host.query("INSERT INTO items (name) VALUES (?)").run("late")))
    } finally {
      clearInterval(ticker)
    }
    // The event loop ran between the tries (a busy-waiting retry would starve the ticker entirely).
    expect(ticks).toBeGreaterThan(0)
    expect(host.query("SELECT count(*) AS n FROM items").get()).toMatchObject({ n: 1 })

    other.client.exec("BEGIN IMMEDIATE")
    try {
      const error = await retryWhileBusy(() => host.transaction(() => host.query("INSERT INTO items (name) VALUES (?)").run("never")), { timeoutMs: 100, what: "The test write" }).catch((reason: unknown) => reason)
      expect(isPluginError(error) && { code: error.code, message: error.message }).toEqual({ code: "DATABASE_BUSY", message: expect.stringMatching(/^The test write: the database is busy/) })
    } finally {
      other.client.exec("ROLLBACK")
    }
    // Any other error is not retried.
    await expect(retryWhileBusy(() => { throw new Error("boom") })).rejects.toThrow("boom")
  })
})

describe("fromSqliteError", () => {
  const sqlite = (code: string, message: string) => Object.assign(new Error(message), { code })
  it.each([
    ["SQLITE_CONSTRAINT_NOTNULL", "NOT NULL constraint failed: my t.a", "CONSTRAINT_VIOLATION", 400, { column: "a" }],
    ["SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed: my t.b", "UNIQUE_VIOLATION", 409, { column: "b" }],
    ["SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed: my t.e, my t.f", "UNIQUE_VIOLATION", 409, { columns: ["e", "f"] }],
    ["SQLITE_CONSTRAINT_PRIMARYKEY", "UNIQUE constraint failed: my t.id", "UNIQUE_VIOLATION", 409, { column: "id" }],
    ["SQLITE_CONSTRAINT_CHECK", "CHECK constraint failed: c > 0", "CONSTRAINT_VIOLATION", 400, {}],
    ["SQLITE_CONSTRAINT_FOREIGNKEY", "FOREIGN KEY constraint failed", "CONSTRAINT_VIOLATION", 400, {}],
    ["SQLITE_ERROR", "no such column: nope", "UNKNOWN_COLUMN", 400, { column: "nope" }],
    ["SQLITE_BUSY", "database is locked", "DATABASE_BUSY", 503, {}],
    ["SQLITE_BUSY_SNAPSHOT", "database is locked", "DATABASE_BUSY", 503, {}],
    ["SQLITE_IOERR", "disk I/O error", "TABLE_ERROR", 500, {}],
  ])("%s (%s) is %s %i", (code, message, expected, status, data) => {
    const error = fromSqliteError("my t", sqlite(code, message))
    expect({ code: error.code, status: error.status }).toEqual({ code: expected, status })
    expect(error.data ?? {}).toMatchObject(data)
    expect(error.message).toContain('Table "my t"')
    if (status === 503) expect(error.headers).toEqual({ "Retry-After": "1" })
  })
})
