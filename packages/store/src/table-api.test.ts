import { beforeEach, describe, expect, it } from "vitest"
import { column, isPluginError } from "@dockstat/plugin-schema"

import type { TableApi } from "@dockstat/plugin-schema"

import { DB } from "./db.ts"
import { ensurePluginTable } from "./plugin-table.ts"
import { createPluginTableApi, createTableApi } from "./table-api.ts"

const config = {
  name: "items",
  columns: {
    id: column.id(),
    name: column.text({ notNull: true }),
    count: column.integer({ default: 0 }),
    ratio: column.real(),
    active: column.boolean({ default: true }),
    meta: column.json(),
    extra: column.text(),
    seen: column.date(),
    raw: column.blob(),
  },
  jsonColumns: ["extra"],
}

let db: DB
let table: TableApi

beforeEach(async () => {
  db = new DB(":memory:")
  await ensurePluginTable(db, "test-plugin", config)
  table = createTableApi(db.client, config.name, config.columns, { jsonColumns: config.jsonColumns })
})

describe("table API", () => {
  it("is one frozen object whose methods say how to call them when detached", () => {
    expect(Object.isFrozen(table)).toBe(true)
    expect(table.name).toBe("items")
    expect(table.columns).toContain("name")
    const { insert, select } = table
    expect(() => insert({ name: "a" })).toThrow("insert() must be called on the table (table.insert(...)), not detached from it")
    expect(() => select()).toThrow(/select\(\) must be called on the table/)
    // Bound again, they work: the methods hold no state of their own.
    expect(insert.call(table, { name: "b" }).changes).toBe(1)
    expect(select.call(table).all()).toHaveLength(1)
    // One table's methods cannot reach another table's context through a fake `this`.
    expect(() => insert.call({ name: "items" }, { name: "c" })).toThrow(/must be called on the table/)
    // Nothing on the object or its class hands out the table's context (its connection).
    const Table = (table as unknown as { constructor: Record<string, unknown> }).constructor
    expect(Object.getOwnPropertyNames(Table).filter((key) => typeof Table[key] === "function")).toEqual([])
    expect(Object.keys(table).sort()).toEqual(["columns", "name"])
  })

  it("a plugin's table API is what its config said at load: changing the config object later changes nothing", () => {
    const own = {
      ...config,
      columns: Object.fromEntries(Object.entries(config.columns).map(([key, value]) => [key, { ...value }])) as typeof config.columns,
      jsonColumns: [...config.jsonColumns],
      parser: { BOOLEAN: [] as string[] },
    }
    const api = createPluginTableApi(db.client, own)
    // Built lazily (on the first query), from what was taken at load.
    ;(own.columns as Record<string, unknown>).sneaky = column.text()
    // In place, inside a column object too: `count` stays an integer column, `name` a text one.
    ;(own.columns.count as { kind: string }).kind = "json"
    ;(own.columns.name as { kind: string }).kind = "boolean"
    own.jsonColumns.length = 0
    own.parser.BOOLEAN.push("name")
    expect(api.columns).not.toContain("sneaky")
    expect(() => api.insert({ name: "a", sneaky: "x" })).toThrow(/unknown column "sneaky"/)
    expect(() => api.insert({ name: "a", count: { not: "an integer" } })).toThrow(/count/)
    expect(api.insert({ name: "a", extra: { kept: "json" } }).changes).toBe(1)
    expect(api.select().all()).toEqual([expect.objectContaining({ name: "a", extra: { kept: "json" } })])
    // The detached-method guard holds for a lazily built table too.
    const { select } = api
    expect(() => select()).toThrow(/select\(\) must be called on the table/)
  })

  it("inserts synchronously and returns insertId and changes", () => {
    const result = table.insert({ name: "a" })
    expect(result).toEqual({ insertId: 1, changes: 1 })
    expect(table.insert({ name: "b" }).insertId).toBe(2)
  })

  it("inserts many rows in one transaction and rolls all back on a failure", () => {
    expect(table.insert([{ name: "a" }, { name: "b" }])).toEqual({ insertId: 2, changes: 2 })
    expect(() => table.insert([{ name: "c" }, { name: null }])).toThrow(/NOT NULL/)
    expect(table.count()).toBe(2)
  })

  it("round-trips json, jsonColumns, booleans, dates and blobs", () => {
    const seen = new Date("2026-01-02T03:04:05.678Z")
    table.insert({ name: "x", meta: { a: [1, 2] }, extra: ["e"], active: false, seen, raw: Buffer.from("hi"), ratio: 0.5 })
    const row = table.select(["*"]).get()
    expect(row).toMatchObject({ name: "x", meta: { a: [1, 2] }, extra: ["e"], active: false, ratio: 0.5, count: 0 })
    expect(row?.seen).toEqual(seen)
    expect(Buffer.from(row?.raw as Uint8Array).toString()).toBe("hi")
    expect(db.query("SELECT active, meta, seen FROM items").get()).toEqual({ active: 0, meta: '{"a":[1,2]}', seen: seen.toISOString() })
  })

  it("applies column defaults", () => {
    table.insert({ name: "d" })
    expect(table.select(["active", "count"]).get()).toEqual({ active: true, count: 0 })
  })

  it("selects with where, orderBy, limit, offset, first and count", () => {
    table.insert([{ name: "a", count: 3 }, { name: "b", count: 1 }, { name: "c", count: 2 }, { name: "d", count: 2 }])
    expect(table.select(["name"]).orderBy("count", "desc").limit(2).all()).toEqual([{ name: "a" }, { name: "c" }])
    expect(table.select(["name"]).orderBy("name").offset(2).all()).toEqual([{ name: "c" }, { name: "d" }])
    expect(table.select(["name"]).where({ count: 2 }).orderBy("name", "desc").first()).toEqual({ name: "d" })
    expect(table.where({ count: 2 }).count()).toBe(2)
    expect(table.select().where({ ratio: null }).count()).toBe(4)
    expect(table.select(["name"]).where({ name: "nope" }).get()).toBeNull()
    expect(table.all()).toHaveLength(4)
  })

  it("binds values, so SQL in a value is just data", () => {
    table.insert({ name: "x'); DROP TABLE items; --" })
    expect(table.where({ name: "x'); DROP TABLE items; --" }).count()).toBe(1)
    expect(db.tableExists("items")).toBe(true)
  })

  it("updates and deletes the rows a where clause matches", () => {
    table.insert([{ name: "a" }, { name: "b" }])
    expect(table.where({ name: "a" }).update({ count: 5, active: false })).toEqual({ changes: 1 })
    expect(table.select(["count", "active"]).where({ name: "a" }).get()).toEqual({ count: 5, active: false })
    expect(table.where({ name: "b" }).delete()).toEqual({ changes: 1 })
    expect(table.count()).toBe(1)
  })

  it("refuses update and delete without a where clause", () => {
    table.insert({ name: "a" })
    expect(() => table.where({}).update({ count: 1 })).toThrow(/needs a where\(\) clause/)
    expect(() => table.where({}).delete()).toThrow(/needs a where\(\) clause/)
    expect(table.count()).toBe(1)
  })

  it("names an unknown column in select, where, insert and orderBy", () => {
    expect(() => table.select(["nope"] as never)).toThrow(/unknown column "nope"/)
    expect(() => table.where({ nope: 1 })).toThrow(/unknown column "nope"/)
    expect(() => table.insert({ nope: 1 })).toThrow(/insert: unknown column "nope"/)
    expect(() => table.select().orderBy("nope" as never)).toThrow(/unknown column "nope"/)
  })

  it("refuses a non-object row with a message saying what it expects", () => {
    let error: unknown
    try {
      table.insert("HELLO" as never)
    } catch (caught) {
      error = caught
    }
    expect(isPluginError(error)).toBe(true)
    expect((error as Error).message).toMatch(/insert\(\) expects an object .* got string/)
  })

  it("refuses an object in a plain text column, pointing at column.json()", () => {
    expect(() => table.insert({ name: { a: 1 } as never })).toThrow(/column "name" is text.*column\.json\(\)/)
  })

  it("reports a unique violation as a 409 UNIQUE_VIOLATION naming the column", async () => {
    await ensurePluginTable(db, "uniq-plugin", { name: "uniq", columns: { id: column.id(), key: column.text({ unique: true }) } })
    const uniq = createTableApi(db.client, "uniq", { id: column.id(), key: column.text({ unique: true }) })
    uniq.insert({ key: "k" })
    let error: unknown
    try {
      uniq.insert({ key: "k" })
    } catch (caught) {
      error = caught
    }
    expect(isPluginError(error) && { code: error.code, status: error.status, data: error.data }).toEqual({ code: "UNIQUE_VIOLATION", status: 409, data: { table: "uniq", column: "key" } })
  })

  it("a read-only table refuses writes", () => {
    const readOnly = createTableApi(db.client, config.name, config.columns, { readOnly: true })
    expect(() => readOnly.insert({ name: "a" })).toThrow(/read-only/)
  })
})
