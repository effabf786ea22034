/**
 * Upstream DockStat's `@dockstat/plugin-builder` from plugin code: served by the SDK in every runtime,
 * with every helper upstream exports.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { PLUGIN_SDK_EXPORTS } from "@dockstat/plugin-schema"
import { DB, createPluginRegistry } from "@dockstat/plugin-store"

import type { Logger, PluginInstance, PluginRow, RuntimeKind } from "@dockstat/plugin-schema"

import { loadPlugin } from "./load-plugin.ts"

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }
const dirs: string[] = []
const instances: PluginInstance[] = []
afterEach(async () => {
  for (const instance of instances.splice(0)) await instance.dispose()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function database(): DB {
  const dir = mkdtempSync(join(tmpdir(), "dockstat-builder-"))
  dirs.push(dir)
  return new DB(join(dir, "app.db"))
}

function store(db: DB, code: string): PluginRow {
  const registry = createPluginRegistry(db)
  const id = registry.insert({ name: "builder", version: "1.0.0", repoType: "local", repository: "local", manifest: "local", author: {}, plugin: code })
  return registry.get(id) as PluginRow
}

// Every name upstream's package exports, imported from it, reported by an action.
const exportsPlugin = `
import * as builder from "@dockstat/plugin-builder"
import { pluginBuilder, column } from "@dockstat/plugin-builder"
import { column as fromHandler } from "@dockstat/plugin-handler"

export default pluginBuilder()
  .meta({ name: "builder", description: "d", version: "1.0.0", repository: "r", manifest: "m", author: { name: "a" } })
  .table({ name: "builder_rows", columns: { id: column.id(), doc: column.json(), flag: column.boolean() }, parser: { JSON: ["doc"], BOOLEAN: ["flag"] } })
  .actions({
    names: () => Object.keys(builder).filter((name) => name !== "default").sort(),
    same: () => fromHandler === column,
    save: ({ table, body }) => table.insert(body),
    list: ({ table }) => table.select(["*"]).all(),
  })
  .apiRoutes({ "/names": { method: "GET", actions: ["names"] }, "/same": { method: "GET", actions: ["same"] }, "/rows": { method: "POST", actions: ["save", "list"] } })
  .build()
`

const input = (method: "GET" | "POST", body?: unknown) => ({ method, path: "/", params: {}, query: {}, headers: {}, body })

describe.each<RuntimeKind>(["sandbox", "worker", "inline"])("@dockstat/plugin-builder in the %s runtime", (runtime) => {
  it("offers every name of the SDK, the same objects as @dockstat/plugin-handler's", async () => {
    const db = database()
    const { instance } = await loadPlugin(store(db, exportsPlugin), { db, logger: silent, runtime })
    instances.push(instance)
    expect(await instance.runRoute("/names", input("GET"))).toEqual([...PLUGIN_SDK_EXPORTS].sort())
    expect(PLUGIN_SDK_EXPORTS).toEqual(expect.arrayContaining(["pluginBuilder", "definePlugin", "createAction", "createActions", "createRoute", "createApiRoutes", "createTable", "createEvents", "createFrontendRoute", "createFrontendRoutes", "createFrontendLoader", "createFrontendAction", "createFrontendConfig", "column"]))
    expect(await instance.runRoute("/same", input("GET"))).toBe(true)
  })

  it("makes the table upstream's way (with its parser), and a second load finds it unchanged", async () => {
    const db = database()
    const row = store(db, exportsPlugin)
    const first = await loadPlugin(row, { db, logger: silent, runtime })
    instances.push(first.instance)
    expect(first.table?.action).toBe("created")
    expect(first.tableConfig).toMatchObject({ name: "builder_rows", columns: { id: { kind: "id" }, doc: { kind: "json" }, flag: { kind: "boolean" } } })
    expect(await first.instance.runRoute("/rows", input("POST", { doc: { a: [1, 2] }, flag: true }))).toEqual([{ id: 1, doc: { a: [1, 2] }, flag: true }])
    expect(db.query('SELECT doc, flag FROM "builder_rows"').all()).toEqual([{ doc: '{"a":[1,2]}', flag: 1 }])
    await first.instance.dispose()
    const second = await loadPlugin(row, { db, logger: silent, runtime })
    instances.push(second.instance)
    expect(second.table?.action).toBe("unchanged")
  })
})
