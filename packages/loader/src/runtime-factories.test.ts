/**
 * The runtime core, checked against each runtime factory directly (no handler in between): the same
 * plugin gives the same answers and the same error messages, to the letter, in every runtime.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { DB, createTableApi, ensurePluginTable } from "@dockstat/plugin-store"

import type { Logger, PluginInstance, PluginRef, RouteInput, TableConfig } from "@dockstat/plugin-schema"

import { createInlineInstance } from "./inline-runtime.ts"
import { importPluginModule } from "./import-module.ts"
import { importInline } from "./module-function.ts"
import { createSandboxInstance } from "./sandbox-runtime.ts"
import { validatePluginModule } from "./validate-module.ts"
import { createWorkerInstance } from "./worker-runtime.ts"

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }
const dir = mkdtempSync(join(tmpdir(), "dockstat-factories-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const code = `
export default {
  config: {
    table: { name: "factory_rows", columns: { id: column.id(), label: column.text() } },
    apiRoutes: { "/ok": { actions: ["one", "two"] }, "/throw": { actions: ["boom"] }, "/hang": { actions: ["one", "hang"] }, "/rows": { method: "POST", actions: ["add"] } },
    actions: {
      one: () => 1,
      two: ({ previousAction, plugin }) => ({ n: previousAction + 1, plugin: plugin.name }),
      boom: () => { throw new Error("bad things") },
      hang: () => new Promise(() => {}),
      add: ({ table, body }) => table.insert(body),
    },
  },
  events: { onContainerDie: () => { throw new Error("hook broke") } },
}`

const ref: PluginRef = { id: 7, name: "factory", version: "1.0.0" }
const input = (path: string, extra: Partial<RouteInput> = {}): RouteInput => ({ method: "GET", path, params: {}, query: {}, headers: {}, body: undefined, ...extra })

type Factory = (db: DB) => Promise<PluginInstance>

const prepareTable = (db: DB) => async (config: TableConfig) => {
  await ensurePluginTable(db, ref.name, config)
  return createTableApi(db.client, config.name, config.columns)
}

const factories: Record<string, Factory> = {
  sandbox: (db) => createSandboxInstance({ ref, code, logger: silent, timeoutMs: 500, prepareTable: prepareTable(db) }),
  worker: (db) => createWorkerInstance({ ref, code, logger: silent, timeoutMs: 500, dbPath: db.path, prepareTable: prepareTable(db) }),
  inline: async (db) => {
    const definition = validatePluginModule(await importInline(code, ref.name, (source) => importPluginModule(source)))
    const config = definition.config?.table
    const table = config ? await prepareTable(db)(config) : null
    return createInlineInstance({ ref, definition, table, logger: silent, timeoutMs: 500 })
  },
}

const instances: PluginInstance[] = []
afterEach(async () => {
  for (const instance of instances.splice(0)) await instance.dispose()
})

describe.each(Object.keys(factories))("runtime factory: %s", (runtime) => {
  async function make(): Promise<PluginInstance> {
    const db = new DB(join(dir, `${runtime}-${instances.length}-${Date.now()}.db`))
    const instance = await (factories[runtime] as Factory)(db)
    instances.push(instance)
    return instance
  }

  it("runs a chain and writes its table", async () => {
    const instance = await make()
    expect(await instance.runRoute("/ok", input("/ok"))).toEqual({ n: 2, plugin: "factory" })
    expect(await instance.runRoute("/rows", input("/rows", { method: "POST", body: { label: "x" } }))).toEqual({ insertId: 1, changes: 1 })
  })

  it("gives the same errors to the letter", async () => {
    const instance = await make()
    await expect(instance.runRoute("/nope", input("/nope"))).rejects.toThrow(/^Plugin "factory" has no route "\/nope"$/)
    await expect(instance.runRoute("/throw", input("/throw"))).rejects.toThrow(/^Action "boom" of plugin "factory" failed: bad things$/)
    await expect(instance.runRoute("/hang", input("/hang"))).rejects.toThrow(/^Route "\/hang" of plugin "factory" did not finish within 500 ms \(stuck in action "hang"\)$/)
    await expect(instance.runHook("onContainerDie", { container: { id: "c" } })).rejects.toThrow(/^Hook "onContainerDie" of plugin "factory" failed: hook broke$/)
    await instance.dispose()
    await expect(instance.runRoute("/ok", input("/ok"))).rejects.toThrow(/^Plugin "factory" is unloaded$/)
  })
})
