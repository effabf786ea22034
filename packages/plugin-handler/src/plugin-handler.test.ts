import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, PluginError, createFetchHandler } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

function setup(path = join(tempDir(), "app.db"), options: ConstructorParameters<typeof PluginHandler>[2] = {}) {
  const db = new DB(path)
  const handler = new PluginHandler(db, ["API"], { logLevel: "silent", ...options })
  handlers.push(handler)
  return { db, handler, path }
}

const routesPlugin = `
import { reply } from "@dockstat/plugin-handler"
export default {
  name: "items",
  config: {
    table: { name: "items", columns: { id: column.id(), name: column.text({ notNull: true }), done: column.boolean({ default: false }) } },
    apiRoutes: {
      "/items": { method: ["GET", "POST"], actions: ["route"] },
      "/items/:id": { method: "GET", actions: ["load", "present"] },
      "/echo": { method: ["POST", "PUT"], actions: ["echo"] },
      "/slow": { method: "GET", actions: ["wait", "after"] },
      "/boom": { method: "GET", actions: ["boom"] },
      "/created": { method: "POST", actions: ["created"] },
    },
    actions: {
      route: ({ method, table, body }) => method === "POST" ? table.insert(body) : table.select(["*"]).all(),
      load: ({ table, params }) => table.select(["*"]).where({ id: Number(params.id) }).get(),
      present: ({ previousAction }) => previousAction ?? { missing: true },
      echo: (ctx) => ({ body: ctx.body, query: ctx.query, method: ctx.method, path: ctx.path, type: ctx.headers["content-type"], plugin: ctx.plugin }),
      wait: async () => { await new Promise((r) => setTimeout(r, 20)); return { waited: true } },
      after: ({ previousAction }) => ({ previousWasPromise: previousAction instanceof Promise, previousAction }),
      boom: () => { throw new Error("kaput") },
      created: ({ body }) => reply({ created: body }, { status: 201, headers: { "x-plugin": "items" } }),
    },
  },
}`

async function loaded(code = routesPlugin, options: ConstructorParameters<typeof PluginHandler>[2] = {}) {
  const context = setup(undefined, options)
  const saved = context.handler.savePlugin(pluginInput("items", code))
  if (!saved.success) throw new Error(saved.message)
  await context.handler.loadPlugin(saved.id)
  return { ...context, id: saved.id }
}

const request = (path: string, init: RequestInit = {}) => new Request(`http://localhost${path}`, init)

async function failure(promise: Promise<unknown>): Promise<PluginError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error, "expected a PluginError").toBeInstanceOf(PluginError)
  return error as PluginError
}

describe("bad input", () => {
  it("savePlugin names each bad field and writes nothing", () => {
    const { handler, db } = setup()
    const result = handler.savePlugin({ ...pluginInput("x", "export default {}"), version: 3, repoType: "svn" } as never)
    expect(result.success).toBe(false)
    expect(result.message).toMatch(/^Invalid plugin: version: .*expected string.*; repoType: /)
    expect(db.query("SELECT COUNT(*) AS n FROM plugins").get()).toEqual({ n: 0 })
  })

  it("savePlugin refuses a second plugin of the same name and keeps the first", () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("x", "export default { v: 1 }"))
    expect(handler.savePlugin(pluginInput("x", "export default { v: 2 }"))).toEqual({
      success: false,
      message: 'A plugin named "x" is already installed (id 1); save it with update = true to replace it',
    })
    expect(handler.getAll()).toHaveLength(1)
  })

  it("an update of an unknown plugin says so", async () => {
    const { handler } = setup()
    expect(await handler.savePlugin(pluginInput("ghost", "export default {}", { id: 9 }), true)).toEqual({ success: false, message: "No installed plugin with id 9 to update", kind: "not-found" })
  })

  it("deleting or loading an unknown id says so, without throwing where the seed returns a result", async () => {
    const { handler } = setup()
    expect(handler.deletePlugin(42)).toEqual({ success: false, message: "No plugin with id 42", kind: "not-found" })
    expect(handler.deletePlugin("x" as never)).toEqual({ success: false, message: 'Plugin id must be an integer, got "x"', kind: "validation" })
    expect(await handler.loadPlugins([42])).toEqual({ successes: [], errors: [{ pluginId: 42, error: "No plugin with id 42" }] })
    expect((await failure(handler.loadPlugin(42))).code).toBe("PLUGIN_NOT_FOUND")
  })

  it("a plugin that fails to load does not stop the others, and leaves no table", async () => {
    const { handler, db } = setup()
    handler.savePlugin(pluginInput("bad", 'export default { config: { table: { name: "bad_t", columns: { id: column.id() } }, apiRoutes: { "/x": { actions: ["missing"] } } } }'))
    handler.savePlugin(pluginInput("good", "export default {}"))
    const result = await handler.loadAllPlugins()
    expect(result.successes).toEqual([2])
    expect(result.errors[0]?.error).toMatch(/route "\/x" names action "missing"/)
    expect(db.tableExists("bad_t")).toBe(false)
  })
})

describe("routes", () => {
  it("matches params, methods, trailing slashes and keeps the query out of the path", async () => {
    const { handler, id } = await loaded()
    await handler.handleRoute(id, "/items", request("/items", { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"a"}' }))
    expect(await handler.handleRoute(id, "/items/1", request("/items/1"))).toEqual({ id: 1, name: "a", done: false })
    expect(await handler.handleRoute(id, "/items/", request("/items/"))).toHaveLength(1)
    expect(await handler.handleRoute(id, "/items/2", request("/items/2"))).toEqual({ missing: true })
    const echoed = await handler.handleRoute(id, "/echo?x=1&x=2&y=3", request("/echo?x=1&x=2&y=3", { method: "PUT", body: "plain", headers: { "content-type": "text/plain" } }))
    expect(echoed).toEqual({ body: "plain", query: { x: ["1", "2"], y: "3" }, method: "PUT", path: "/echo", type: "text/plain", plugin: { id, name: "items", version: "1.0.0" } })
  })

  it("parses form bodies into objects", async () => {
    const { handler, id } = await loaded()
    const body = new URLSearchParams({ a: "1", b: "two" })
    expect(await handler.handleRoute(id, "/echo", request("/echo", { method: "POST", body }))).toMatchObject({ body: { a: "1", b: "two" } })
  })

  it("awaits async actions, so previousAction is never a Promise", async () => {
    const { handler, id } = await loaded()
    expect(await handler.handleRoute(id, "/slow", request("/slow"))).toEqual({ previousWasPromise: false, previousAction: { waited: true } })
  })

  it("throws typed errors with the HTTP status", async () => {
    const { handler, id } = await loaded(routesPlugin, { maxBodyBytes: 64 })
    expect((await failure(handler.handleRoute(99, "/items", request("/items")))).status).toBe(404)
    const missing = await failure(handler.handleRoute(id, "/nope", request("/nope")))
    expect([missing.status, missing.data?.routes]).toEqual([404, ["/items", "/items/:id", "/echo", "/slow", "/boom", "/created"]])
    const wrongMethod = await failure(handler.handleRoute(id, "/items/1", request("/items/1", { method: "DELETE" })))
    expect([wrongMethod.status, wrongMethod.headers?.Allow]).toEqual([405, "GET"])
    const malformed = await failure(handler.handleRoute(id, "/echo", request("/echo", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" })))
    expect(malformed.status).toBe(400)
    const large = await failure(handler.handleRoute(id, "/echo", request("/echo", { method: "POST", body: "x".repeat(65) })))
    expect(large.status).toBe(413)
    const thrown = await failure(handler.handleRoute(id, "/boom", request("/boom")))
    expect([thrown.status, thrown.plugin, thrown.action, thrown.message]).toEqual([500, "items", "boom", 'Action "boom" of plugin "items" failed: kaput'])
    handler.unloadPlugin(id)
    expect((await failure(handler.handleRoute(id, "/items", request("/items")))).status).toBe(503)
  })

  it("serves Responses through the framework-free fetch handler: status, headers, 204, JSON errors without stacks", async () => {
    const { handler, id } = await loaded()
    const fetchHandler = createFetchHandler(handler, { basePath: "/api/v2/plugins" })
    const created = await fetchHandler(request(`/api/v2/plugins/${id}/routes/created`, { method: "POST", headers: { "content-type": "application/json" }, body: "[1]" }))
    expect([created.status, created.headers.get("x-plugin"), await created.json()]).toEqual([201, "items", { created: [1] }])
    const boom = await fetchHandler(request(`/api/v2/plugins/${id}/routes/boom`))
    const body = (await boom.json()) as Record<string, unknown>
    expect(boom.status).toBe(500)
    expect(body).toMatchObject({ plugin: "items", action: "boom", message: 'Action "boom" of plugin "items" failed: kaput' })
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts|stack/)
    const wrong = await fetchHandler(request(`/api/v2/plugins/${id}/routes/items/1`, { method: "PATCH" }))
    expect([wrong.status, wrong.headers.get("allow")]).toEqual([405, "GET"])
  })
})

describe("plugin tables across restarts", () => {
  it("re-opening the file and loading again keeps all rows and raises no error", async () => {
    const first = await loaded()
    for (const name of ["a", "b", "c"]) first.handler.getServerHooks(first.id).table?.insert({ name })
    const updatedAt = first.db.query("SELECT updated_at FROM plugin_tables").get()
    await first.handler.close()
    first.db.close()

    const { handler, db } = setup(first.path)
    expect(await handler.loadAllPlugins()).toEqual({ successes: [first.id], errors: [], skipped: [] })
    expect(await handler.handleRoute(first.id, "/items", request("/items"))).toHaveLength(3)
    // Unchanged descriptors: the stored snapshot was not touched (no diff ran).
    expect(db.query("SELECT updated_at FROM plugin_tables").get()).toEqual(updatedAt)
  })

  it("a plugin cannot take a host table or another plugin's table", async () => {
    const { handler } = await loaded()
    handler.savePlugin(pluginInput("thief", 'export default { config: { table: { name: "items", columns: { id: column.id() } } } }'))
    handler.savePlugin(pluginInput("host", 'export default { config: { table: { name: "plugins", columns: { id: column.id() } } } }'))
    const result = await handler.loadPlugins([2, 3])
    expect(result.errors.map((error) => error.error)).toEqual([
      expect.stringMatching(/Table "items" belongs to plugin "items"/),
      expect.stringMatching(/"plugins" is reserved for the host/),
    ])
  })

  it("deletePlugin keeps the table by default and drops it on request", async () => {
    const { handler, db, id } = await loaded()
    handler.deletePlugin(id)
    expect(db.tableExists("items")).toBe(true)
    const again = handler.savePlugin(pluginInput("items", routesPlugin))
    if (!again.success) throw new Error(again.message)
    await handler.loadPlugin(again.id)
    expect(handler.deletePlugin(again.id, { dropTable: true }).success).toBe(true)
    expect(db.tableExists("items")).toBe(false)
  })
})

describe("logging", () => {
  it("names the handler and each plugin hierarchically", async () => {
    const lines: Record<string, unknown>[] = []
    const { pino } = await import("pino")
    const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) })
    const { handler } = setup(undefined, { logger })
    handler.savePlugin(pluginInput("talker", 'export default { config: { apiRoutes: { "/t": { actions: ["t"] } }, actions: { t: ({ logger }) => { logger.info("hello from plugin"); return 1 } } } }'))
    await handler.loadPlugin(1)
    await handler.handleRoute(1, "/t", request("/t"))
    expect(lines).toContainEqual(expect.objectContaining({ name: "API > PluginHandler", msg: "plugin loaded" }))
    expect(lines).toContainEqual(expect.objectContaining({ name: "API > PluginHandler > talker", msg: "hello from plugin" }))
  })
})
