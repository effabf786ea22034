/**
 * Loading many plugins at once reads their rows and table records in one go (load-stored.ts): what it
 * read must never outvote what happened since.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
const dbs: DB[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
  for (const db of dbs.splice(0)) db.close()
})

const code = (name: string, table: string) =>
  `export default { name: ${JSON.stringify(name)}, config: { table: { name: ${JSON.stringify(table)}, columns: { id: column.id(), label: column.text() } }, apiRoutes: { "/n": { method: "GET", actions: ["n"] } }, actions: { n: ({ table }) => table.count() } } }`

function open(path: string) {
  const db = new DB(path)
  const handler = new PluginHandler(db, [], { logLevel: "silent", runtime: "inline" })
  dbs.push(db)
  handlers.push(handler)
  return { db, handler }
}

async function installed(count: number) {
  const path = join(tempDir(), "app.db")
  const first = open(path)
  const ids = Array.from({ length: count }, (_, index) => {
    const saved = first.handler.savePlugin(pluginInput(`p${index}`, code(`p${index}`, `items_${index}`)))
    if (!saved.success) throw new Error(saved.message)
    return saved.id
  })
  expect((await first.handler.loadAllPlugins()).errors).toEqual([])
  await first.handler.close()
  return { path, ids }
}

describe("loading many plugins at once", () => {
  it("creates again a table dropped behind the host's back, though its record says it exists unchanged", async () => {
    const { path, ids } = await installed(3)
    const { db, handler } = open(path)
    db.client.exec('DROP TABLE "items_1"')
    const result = await handler.loadAllPlugins()
    expect(result.errors).toEqual([])
    expect(result.successes).toEqual(ids)
    expect(db.tableExists("items_1")).toBe(true)
    const response = await handler.handleRoute(ids[1] as number, "/n", new Request("http://host/n"))
    expect(response).toBe(0)
  })

  it("does not load a plugin deleted after the batch was read, and loads the others", async () => {
    const { path, ids } = await installed(3)
    const { handler } = open(path)
    const loading = handler.loadAllPlugins()
    // Synchronously after the call: the batch holds the row, the plugin is gone.
    expect(handler.deletePlugin(ids[2] as number).success).toBe(true)
    const result = await loading
    await handler.settled()
    expect(handler.getLoadedPlugins()).toEqual(ids.slice(0, 2))
    expect(result.errors.map((error) => error.pluginId)).toEqual([ids[2]])
  })

  it("does not swap in a plugin another process replaced after the batch was read", async () => {
    const { path, ids } = await installed(3)
    const { handler } = open(path)
    const other = open(path)
    const loading = handler.loadAllPlugins()
    // Another connection (as another process would) replaces p1 before the loads end: the check after
    // the loads, one query for the batch, must see it.
    other.db.client.prepare("UPDATE plugins SET version = '2.0.0', digest = 'hmac-sha256:' || hex(randomblob(32)) WHERE id = ?").run(ids[1])
    const result = await loading
    expect(result.errors.map((error) => error.pluginId)).toEqual([ids[1]])
    expect(result.errors[0]?.error).toMatch(/deleted or replaced while it was loading/)
    expect(handler.getLoadedPlugins()).toEqual([ids[0], ids[2]])
  })

  it("loads the version saved after the batch was read, not the one the batch read", async () => {
    const { path, ids } = await installed(3)
    const { handler } = open(path)
    const loading = handler.loadAllPlugins()
    const updating = handler.savePlugin({ ...pluginInput("p0", code("p0", "items_0").replace('"/n"', '"/m"')), id: ids[0] }, true)
    await Promise.all([loading, updating])
    await handler.settled()
    expect((await updating).success).toBe(true)
    expect(handler.getAllPluginRoutes().find((entry) => entry.id === ids[0])?.routes).toEqual(["/m"])
  })

  it("does not bring back a plugin deactivated while it was loading", async () => {
    const { path, ids } = await installed(2)
    const { handler } = open(path)
    const loading = handler.loadPlugin(ids[0] as number)
    expect(handler.deactivatePlugin(ids[0] as number).success).toBe(true)
    await loading
    await handler.settled()
    expect(handler.getLoadedPlugins()).toEqual([])
    expect((await handler.loadAllPlugins()).skipped).toEqual([{ pluginId: ids[0], reason: "disabled" }])
  })
})
