/**
 * Every HTTP error status the router gives, through `createFetchHandler` over the real handler, in every
 * runtime: the same request gets the same status, error code and headers wherever the plugin runs.
 */
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import PluginHandler, { DB, createFetchHandler } from "./index.ts"
import type { RuntimeKind } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()

const plugin = `
export default {
  config: {
    apiRoutes: {
      "GET /ok": { actions: ["ok"] },
      "POST /echo": { actions: ["echo"] },
      "GET /throw": { actions: ["boom"] },
      "GET /hang": { actions: ["hang"] },
    },
    actions: {
      ok: () => ({ ok: true }),
      echo: ({ body }) => body,
      boom: () => { throw new Error("kaput") },
      hang: () => new Promise(() => {}),
    },
  },
}`

interface Case {
  name: string
  request: (id: number) => Request
  status: number
  error?: string
  headers?: Record<string, string>
}

const url = (id: number | string, path: string) => `http://localhost/plugins/${id}/routes${path}`

const cases: Case[] = [
  { name: "an answer", request: (id) => new Request(url(id, "/ok")), status: 200 },
  { name: "a malformed JSON body", request: (id) => new Request(url(id, "/echo"), { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }), status: 400, error: "BAD_REQUEST" },
  { name: "an unknown plugin", request: () => new Request(url(999, "/ok")), status: 404, error: "PLUGIN_NOT_FOUND" },
  { name: "an unknown route", request: (id) => new Request(url(id, "/nope")), status: 404, error: "ROUTE_NOT_FOUND" },
  { name: "a wrong method", request: (id) => new Request(url(id, "/ok"), { method: "DELETE" }), status: 405, error: "METHOD_NOT_ALLOWED", headers: { allow: "GET" } },
  {
    name: "a body over the cap",
    request: (id) => new Request(url(id, "/echo"), { method: "POST", headers: { "content-type": "text/plain" }, body: "x".repeat(4096) }),
    status: 413,
    error: "PAYLOAD_TOO_LARGE",
  },
  { name: "a throwing action", request: (id) => new Request(url(id, "/throw")), status: 500, error: "ACTION_FAILED" },
  { name: "an action that never answers", request: (id) => new Request(url(id, "/hang")), status: 504, error: "ACTION_TIMEOUT" },
]

describe.each<RuntimeKind>(["sandbox", "inline", "worker"])("HTTP error statuses: %s runtime", (runtime) => {
  let handler: PluginHandler
  let id: number
  let installedOnly: number
  let fetchHandler: (request: Request) => Response | Promise<Response>

  beforeAll(async () => {
    handler = new PluginHandler(new DB(join(tempDir(), "app.db")), [], { logLevel: "silent", runtime, timeoutMs: 500, maxBodyBytes: 1024 })
    const saved = handler.savePlugin(pluginInput("statuses", plugin))
    const idle = handler.savePlugin(pluginInput("idle", plugin))
    if (!saved.success || !idle.success) throw new Error("could not save the plugins")
    id = saved.id
    installedOnly = idle.id
    await handler.loadPlugin(id)
    fetchHandler = createFetchHandler(handler, { basePath: "/plugins" })
  })
  afterAll(() => handler.close())

  it.each(cases)("$name -> $status", async (entry) => {
    const response = await fetchHandler(entry.request(id))
    expect(response.status).toBe(entry.status)
    if (entry.error !== undefined) expect(((await response.json()) as { error: string }).error).toBe(entry.error)
    for (const [name, value] of Object.entries(entry.headers ?? {})) expect(response.headers.get(name)).toBe(value)
  })

  it("a plugin installed but not loaded -> 503", async () => {
    const response = await fetchHandler(new Request(url(installedOnly, "/ok")))
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: string }).error).toBe("PLUGIN_NOT_LOADED")
  })
})
