/**
 * One contract, three runtimes: everything a plugin can do behaves the same in the sandbox, inline and in a
 * worker thread, down to the exact error messages.
 */
import { join } from "node:path"
import { pino } from "pino"
import { afterEach, describe, expect, it, vi } from "vitest"

import PluginHandler, { DB, PluginError } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const contractPlugin = `
import { reply } from "@dockstat/plugin-handler"
let calls = 0
export default {
  name: "contract",
  config: {
    table: { name: "contract_rows", columns: { id: column.id(), label: column.text(), meta: column.json(), ok: column.boolean(), at: column.date() } },
    apiRoutes: {
      "POST /rows": { actions: ["insert"] },
      "GET /rows": { actions: ["list"] },
      "/rows/:id": { method: ["GET", "DELETE"], actions: ["byId"] },
      "/chain": { method: "POST", actions: ["one", "two", "three"] },
      "/ctx": { method: "GET", actions: ["ctx"] },
      "/count": { method: "GET", actions: ["count"] },
      "/throw": { method: "GET", actions: ["fine", "throws"] },
      "/reply": { method: "GET", actions: ["custom"] },
      "/nothing": { method: "GET", actions: ["nothing"] },
      "/bad-column": { method: "GET", actions: ["badColumn"] },
      "/hang": { method: "GET", actions: ["fine", "hang"] },
    },
    actions: {
      insert: ({ table, body }) => table.insert(body),
      list: ({ table, query }) => table.select(["*"]).orderBy("id", query.order ?? "asc").all(),
      byId: ({ table, params, method }) => method === "DELETE" ? table.where({ id: Number(params.id) }).delete() : table.select(["*"]).where({ id: Number(params.id) }).get() ?? null,
      one: ({ body }) => ({ steps: ["one"], n: body.n }),
      two: async ({ previousAction }) => { await new Promise((r) => setTimeout(r, 5)); return { ...previousAction, steps: [...previousAction.steps, "two"] } },
      three: ({ previousAction }) => ({ ...previousAction, steps: [...previousAction.steps, "three"], n: previousAction.n * 2 }),
      ctx: ({ params, query, headers, method, path, plugin, body, previousAction }) => ({ params, query, agent: headers["x-agent"], method, path, plugin, body: body ?? null, previousAction: previousAction ?? null }),
      count: () => ++calls,
      fine: () => "fine",
      throws: () => { throw new TypeError("bad things") },
      custom: () => reply({ made: true }, { status: 202, headers: { "x-custom": "yes" } }),
      nothing: () => undefined,
      badColumn: ({ table }) => table.select(["nope"]).all(),
      hang: () => new Promise(() => {}),
    },
  },
  events: {
    onContainerStart: ({ container, table, logger }) => { logger.info("started " + container.id); table.insert({ label: "event:" + container.id }) },
    onContainerDie: () => { throw new Error("hook broke") },
  },
}`

const json = (path: string, method: string, body: unknown) =>
  new Request(`http://localhost${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
const get = (path: string, init: RequestInit = {}) => new Request(`http://localhost${path}`, init)

async function failure(promise: Promise<unknown>): Promise<PluginError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(PluginError)
  return error as PluginError
}

describe.each<RuntimeKind>(["sandbox", "inline", "worker"])("PluginInstance contract: %s runtime", (runtime) => {
  async function start() {
    const path = join(tempDir(), "app.db")
    const lines: { name?: string; msg?: string }[] = []
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) })
    const handler = new PluginHandler(new DB(path), ["API"], { logger, runtime, timeoutMs: 1000 })
    handlers.push(handler)
    const saved = handler.savePlugin(pluginInput("contract", contractPlugin))
    if (!saved.success) throw new Error(saved.message)
    const instance = await handler.loadPlugin(saved.id)
    return { handler, id: saved.id, instance, lines, path }
  }

  it("runs in the runtime it was given", async () => {
    const { handler, instance } = await start()
    expect(instance.runtime).toBe(runtime)
    expect(handler.getStatus().loaded_plugins[0]?.runtime).toBe(runtime)
  })

  it("serves routes that read and write its table, with conversions", async () => {
    const { handler, id } = await start()
    const at = "2026-01-01T00:00:00.000Z"
    expect(await handler.handleRoute(id, "/rows", json("/rows", "POST", { label: "a", meta: { x: [1] }, ok: true, at }))).toEqual({ insertId: 1, changes: 1 })
    await handler.handleRoute(id, "/rows", json("/rows", "POST", [{ label: "b" }, { label: "c" }]))
    const rows = (await handler.handleRoute(id, "/rows?order=desc", get("/rows?order=desc"))) as { label: string }[]
    expect(rows.map((row) => row.label)).toEqual(["c", "b", "a"])
    const first = await handler.handleRoute(id, "/rows/1", get("/rows/1"))
    expect(first).toEqual({ id: 1, label: "a", meta: { x: [1] }, ok: true, at: new Date(at) })
    expect(await handler.handleRoute(id, "/rows/2", get("/rows/2", { method: "DELETE" }))).toEqual({ changes: 1 })
    expect(handler.getServerHooks(id).table?.count()).toBe(2)
  })

  it("passes each action's result to the next, awaiting async ones", async () => {
    const { handler, id } = await start()
    expect(await handler.handleRoute(id, "/chain", json("/chain", "POST", { n: 21 }))).toEqual({ steps: ["one", "two", "three"], n: 42 })
  })

  it("gives actions the request context", async () => {
    const { handler, id } = await start()
    expect(await handler.handleRoute(id, "/ctx?a=1", get("/ctx?a=1", { headers: { "x-agent": "t" } }))).toEqual({
      params: {},
      query: { a: "1" },
      agent: "t",
      method: "GET",
      path: "/ctx",
      plugin: { id, name: "contract", version: "1.0.0" },
      body: null,
      previousAction: null,
    })
  })

  it("keeps module state between requests and starts fresh after a reload", async () => {
    const { handler, id } = await start()
    await handler.handleRoute(id, "/count", get("/count"))
    expect(await handler.handleRoute(id, "/count", get("/count"))).toBe(2)
    handler.unloadPlugin(id)
    await handler.loadPlugin(id)
    expect(await handler.handleRoute(id, "/count", get("/count"))).toBe(1)
  })

  it("reports a throwing action as a 500 naming plugin and action, and keeps serving", async () => {
    const { handler, id } = await start()
    const error = await failure(handler.handleRoute(id, "/throw", get("/throw")))
    expect([error.status, error.code, error.plugin, error.action]).toEqual([500, "ACTION_FAILED", "contract", "throws"])
    expect(error.message).toBe('Action "throws" of plugin "contract" failed: bad things')
    expect(await handler.handleRoute(id, "/nothing", get("/nothing"))).toBeUndefined()
  })

  it("reports table API misuse with the table's message", async () => {
    const { handler, id } = await start()
    const error = await failure(handler.handleRoute(id, "/bad-column", get("/bad-column")))
    // The column came from the request as often as from the plugin: a 400 naming it, in every runtime.
    expect([error.status, error.code, error.action]).toEqual([400, "UNKNOWN_COLUMN", "badColumn"])
    expect(error.message).toMatch(/unknown column "nope"/)
  })

  it("answers a route that never settles with a 504 naming the action, and keeps serving", async () => {
    const { handler, id } = await start()
    const error = await failure(handler.handleRoute(id, "/hang", get("/hang")))
    expect([error.status, error.code, error.action]).toEqual([504, "ACTION_TIMEOUT", "hang"])
    expect(error.message).toBe('Route "/hang" of plugin "contract" did not finish within 1000 ms (stuck in action "hang")')
    expect(await handler.handleRoute(id, "/nothing", get("/nothing"))).toBeUndefined()
  })

  it("answers a body-less request to plain-value actions without a Promise in process, and with one in a worker", async () => {
    const { handler, id } = await start()
    const answer = handler.handleRouteNow(id, "/count", get("/count"))
    if (runtime === "worker") expect(await (answer as Promise<unknown>)).toBe(1)
    else expect(answer).toBe(1)
    expect(answer instanceof Promise).toBe(runtime === "worker")
  })

  it("sets status and headers with reply()", async () => {
    const { handler, id } = await start()
    expect(await handler.handleRoute(id, "/reply", get("/reply"))).toEqual({ __dockstat_reply__: true, status: 202, headers: { "x-custom": "yes" }, body: { made: true } })
  })

  it("runs hooks with its own logger and table, and reports hook errors per plugin", async () => {
    const { handler, id, lines } = await start()
    const report = await handler.emit("onContainerStart", { container: { id: "c1" } })
    expect(report.results).toEqual([expect.objectContaining({ pluginId: id, status: "ok" })])
    expect(handler.getServerHooks(id).table?.select(["label"]).all()).toEqual([{ label: "event:c1" }])
    await vi.waitFor(() => expect(lines).toContainEqual(expect.objectContaining({ name: "API > PluginHandler > contract", msg: "started c1" })))
    const broken = await handler.emit("onContainerDie", { container: { id: "c1" } })
    expect(broken.results).toEqual([expect.objectContaining({ status: "error", message: 'Hook "onContainerDie" of plugin "contract" failed: hook broke' })])
  })

  it("exposes hooks through getHookHandlers in the seed's shape", async () => {
    const { handler, id } = await start()
    const hooks = handler.getHookHandlers().get(id)
    expect(Object.keys(hooks ?? {})).toEqual(["onContainerStart", "onContainerDie"])
    const { logger, table } = handler.getServerHooks(id)
    await hooks?.onContainerStart?.({ container: { id: "c2" }, logger, table })
    expect(table?.select(["label"]).all()).toEqual([{ label: "event:c2" }])
  })

  it("stops serving once unloaded", async () => {
    const { handler, id, instance } = await start()
    handler.unloadPlugin(id)
    expect((await failure(handler.handleRoute(id, "/nothing", get("/nothing")))).status).toBe(503)
    await instance.dispose()
    await expect(instance.runRoute("/nothing", { method: "GET", path: "/nothing", params: {}, query: {}, headers: {}, body: undefined })).rejects.toThrow()
  })
})
