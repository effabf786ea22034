import { describe, expect, it } from "vitest"
import { PluginError, column } from "@dockstat/plugin-schema"
import { DB, createPluginRegistry } from "@dockstat/plugin-store"

import type { Logger, PluginRow } from "@dockstat/plugin-schema"

import { loadPlugin } from "./load-plugin.ts"

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }

function store(db: DB, code: string, name = "p"): PluginRow {
  const registry = createPluginRegistry(db)
  const id = registry.insert({ name, version: "1.0.0", repoType: "local", repository: "local", manifest: "local", author: {}, plugin: code })
  return registry.get(id) as PluginRow
}

const withTable = `
export default {
  name: "notes",
  config: {
    table: { name: "notes", columns: { id: column.id(), text: column.text() } },
    apiRoutes: { "/notes": { method: "POST", actions: ["save"] }, "GET /notes": { actions: ["list"] } },
    actions: {
      save: ({ table, body }) => table.insert(body),
      list: ({ table }) => table.select(["*"]).all(),
    },
  },
  events: { onContainerStart: ({ container, table }) => { table.insert({ text: container.id }) } },
}`

describe("loadPlugin", () => {
  it("turns stored code into a running instance with its table, routes and hooks", async () => {
    const db = new DB(":memory:")
    const { instance, table } = await loadPlugin(store(db, withTable), { db, logger: silent, runtime: "inline" })
    expect(table?.action).toBe("created")
    expect(instance.routes.map((route) => route.key)).toEqual(["/notes", "GET /notes"])
    expect(instance.hooks).toEqual(["onContainerStart"])
    const input = { method: "POST" as const, path: "/notes", params: {}, query: {}, headers: {}, body: { text: "hello" } }
    expect(await instance.runRoute("/notes", input)).toEqual({ insertId: 1, changes: 1 })
    await instance.runHook("onContainerStart", { container: { id: "abc" } })
    expect(await instance.runRoute("GET /notes", { ...input, method: "GET", body: undefined })).toEqual([
      { id: 1, text: "hello" },
      { id: 2, text: "abc" },
    ])
  })

  it("refuses code changed in the database behind the handler's back", async () => {
    const db = new DB(":memory:")
    const row = store(db, withTable)
    db.query("UPDATE plugins SET plugin = ? WHERE id = ?").run(`${row.plugin}\n// tampered`, row.id)
    const tampered = createPluginRegistry(db).get(row.id) as PluginRow
    await expect(loadPlugin(tampered, { db, logger: silent, runtime: "inline" })).rejects.toThrow(/do not match the keyed digest stored at install/)
    expect(db.tableExists("notes")).toBe(false)
  })

  it.each([
    ["a syntax error", "export default {", /Could not load plugin "p" \(id 1\): syntax error at line 1, column \d+: export default {/],
    ["no default export", "export const x = 1", /no default export/],
    ["a default export that is not an object", "export default 42", /default export must be an object, got number/],
    ["a route to a missing action", 'export default { config: { apiRoutes: { "/a": { actions: ["x"] } }, actions: {} } }', /names action "x"/],
    ["an unknown hook", "export default { events: { onSunrise() {} } }", /"onSunrise" is not a known event hook/],
    ["a forbidden import", 'import x from "express"\nexport default {}', /import of "express" is not allowed/],
    ["a throw at import", 'throw new Error("broken at import")', /broken at import/],
  ])("gives a LOAD_FAILED error that says what is wrong: %s", async (_, code, expected) => {
    const db = new DB(":memory:")
    const error = await loadPlugin(store(db, code), { db, logger: silent, runtime: "inline" }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(PluginError)
    expect((error as PluginError).code).toBe("LOAD_FAILED")
    expect((error as Error).message).toMatch(expected)
  })

  it("loads a plugin without config (the seed's reference host fails on it)", async () => {
    const db = new DB(":memory:")
    const { instance } = await loadPlugin(store(db, 'export default { name: "bare" }'), { db, logger: silent, runtime: "inline" })
    expect(instance.routes).toEqual([])
    expect(instance.table).toBeNull()
  })

  it("refuses a table that belongs to another plugin", async () => {
    const db = new DB(":memory:")
    await loadPlugin(store(db, withTable, "first"), { db, logger: silent, runtime: "inline" })
    await expect(loadPlugin(store(db, withTable, "second"), { db, logger: silent, runtime: "inline" })).rejects.toThrow(/Table "notes" belongs to plugin "first"/)
  })

  it("refuses the worker runtime on a :memory: DB with a message saying why, unless inline fallback is allowed", async () => {
    const db = new DB(":memory:")
    const row = store(db, withTable)
    await expect(loadPlugin(row, { db, logger: silent, runtime: "worker" })).rejects.toThrow(/":memory:" cannot be opened from a worker thread/)
    const { instance } = await loadPlugin(row, { db, logger: silent, runtime: "worker", allowInlineFallback: true })
    expect(instance.runtime).toBe("inline")
    const input = { method: "POST" as const, path: "/notes", params: {}, query: {}, headers: {}, body: { text: "in memory" } }
    expect(await instance.runRoute("/notes", input)).toEqual({ insertId: 1, changes: 1 })
  })
})
