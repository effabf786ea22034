import { PluginError, reply } from "@dockstat/plugin-schema"
import type { Action, Logger, PluginRef, RouteConfig } from "@dockstat/plugin-schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { compileRoutes } from "./compile-routes.ts"
import { methodNotAllowed, routeNotFound } from "./errors.ts"
import { createFetchHandler } from "./fetch-handler.ts"
import type { RouteHost } from "./fetch-handler.ts"
import { readRouteInput } from "./read-route-input.ts"
import { routesFromConfig } from "./routes-from-config.ts"
import { runActionChain } from "./run-action-chain.ts"
import { serveFetch } from "./test-support/node-server.ts"
import type { TestServer } from "./test-support/node-server.ts"

/** A host that records its calls and answers with whatever `answer` gives. */
function recordingHost(answer: (id: number, path: string, request: Request) => unknown): RouteHost & { calls: [number, string][] } {
  const calls: [number, string][] = []
  return {
    calls,
    async handleRoute(id, path, request) {
      calls.push([id, path])
      return answer(id, path, request)
    },
  }
}

async function json(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get("content-type")).toBe("application/json")
  return (await response.json()) as Record<string, unknown>
}

describe("createFetchHandler: addressing", () => {
  it("passes the plugin id and the path after /routes to the host", async () => {
    const host = recordingHost(() => ({ ok: true }))
    const handle = createFetchHandler(host)
    const response = await handle(new Request("http://host.test/12/routes/items/7?x=1"))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
    expect(host.calls).toEqual([[12, "/items/7"]])
  })

  it("gives the host the request itself", async () => {
    let seen: Request | undefined
    const request = new Request("http://host.test/1/routes/x", { method: "POST", body: "b" })
    await createFetchHandler(recordingHost((_, __, r) => void (seen = r)))(request)
    expect(seen).toBe(request)
  })

  it("uses / as the plugin path when nothing follows /routes", async () => {
    const host = recordingHost(() => "root")
    const handle = createFetchHandler(host)
    await handle(new Request("http://host.test/3/routes"))
    await handle(new Request("http://host.test/3/routes/"))
    await handle(new Request("http://host.test/3/routes?x=/y"))
    expect(host.calls).toEqual([[3, "/"], [3, "/"], [3, "/"]])
  })

  it("keeps the path's percent-encoding for the route table to decode", async () => {
    const host = recordingHost(() => 1)
    await createFetchHandler(host)(new Request("http://host.test/3/routes/items/a%2Fb/"))
    expect(host.calls).toEqual([[3, "/items/a%2Fb/"]])
  })

  it("serves under a base path, with or without its slashes", async () => {
    for (const basePath of ["/api/plugins", "/api/plugins/", "api/plugins"]) {
      const host = recordingHost(() => 1)
      const handle = createFetchHandler(host, { basePath })
      expect((await handle(new Request("http://host.test/api/plugins/5/routes/status"))).status).toBe(200)
      expect((await handle(new Request("http://host.test/5/routes/status"))).status).toBe(404)
      expect(host.calls).toEqual([[5, "/status"]])
    }
  })

  it.each(["abc", "1e3", "-1", "1.5", "0x10", "9007199254740993", "%31"])(
    "answers the id %j with 404 PLUGIN_NOT_FOUND without asking the host",
    async (id) => {
      const host = recordingHost(() => 1)
      const response = await createFetchHandler(host)(new Request(`http://host.test/${id}/routes/x`))
      expect(response.status).toBe(404)
      const body = await json(response)
      expect(body.error).toBe("PLUGIN_NOT_FOUND")
      expect(body.message).toContain(id)
      expect(host.calls).toEqual([])
    },
  )

  it.each(["/", "/5", "/5/", "/5/other/x", "/5/routesx/y", "/routes/x", "/api/5/routes/x"])(
    "answers %s, outside /:id/routes/*, with 404 JSON",
    async (path) => {
      const host = recordingHost(() => 1)
      const response = await createFetchHandler(host)(new Request(`http://host.test${path}`))
      expect(response.status).toBe(404)
      expect((await json(response)).error).toBe("ROUTE_NOT_FOUND")
      expect(host.calls).toEqual([])
    },
  )
})

describe("createFetchHandler: answers", () => {
  it("turns the result into a Response: 204 for undefined, reply() status and headers", async () => {
    expect((await createFetchHandler(recordingHost(() => undefined))(new Request("http://h/1/routes/x"))).status).toBe(204)
    const created = await createFetchHandler(recordingHost(() => reply({ id: 1 }, { status: 201, headers: { location: "/x/1" } })))(
      new Request("http://h/1/routes/x", { method: "POST" }),
    )
    expect(created.status).toBe(201)
    expect(created.headers.get("location")).toBe("/x/1")
  })

  it("turns a thrown PluginError into its status and JSON", async () => {
    const handle = createFetchHandler(recordingHost(() => { throw new PluginError("PLUGIN_NOT_LOADED", "Plugin 1 is not loaded") }))
    const response = await handle(new Request("http://h/1/routes/x"))
    expect(response.status).toBe(503)
    expect(await json(response)).toEqual({ error: "PLUGIN_NOT_LOADED", message: "Plugin 1 is not loaded" })
  })

  it("turns any other thrown error into 500 INTERNAL without a stack", async () => {
    const handle = createFetchHandler(recordingHost(() => Promise.reject(new RangeError("out of range"))))
    const response = await handle(new Request("http://h/1/routes/x"))
    expect(response.status).toBe(500)
    expect(await json(response)).toEqual({ error: "INTERNAL", message: "out of range" })
  })

  it("answers HEAD with the status and headers of GET and no body", async () => {
    const handle = createFetchHandler(recordingHost(() => ({ big: "x".repeat(100) })))
    const response = await handle(new Request("http://h/1/routes/x", { method: "HEAD" }))
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(response.body).toBeNull()
  })
})

// End to end: a real HTTP server, real fetch, and a host composed of the router's pieces the way the
// PluginHandler facade composes them.

const noop = (): void => {}
const logger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop }
const demo: PluginRef = { id: 7, name: "demo-plugin", version: "1.2.0" }

const apiRoutes: Record<string, RouteConfig> = {
  "/status": { actions: ["getStatus"] },
  "/save": { method: "POST", actions: ["validate", "slowTransform", "save"] },
  "/items/:id": { method: ["GET", "DELETE"], actions: ["echoInput"] },
  "POST /forms": { actions: ["echoInput"] },
  "/empty": { actions: ["nothing"] },
  "/boom": { actions: ["getStatus", "explode"] },
}

const actions: Record<string, Action> = {
  getStatus: () => ({ status: "ok" }),
  validate: ({ body }) => ({ valid: typeof body === "object" && body !== null, data: body }),
  slowTransform: async ({ previousAction }) => {
    await new Promise((resolve) => setTimeout(resolve, 5))
    const previous = previousAction as { data: { name: unknown } }
    return { ...previous, data: { ...previous.data, name: String(previous.data.name).toUpperCase() } }
  },
  save: ({ previousAction }) =>
    previousAction instanceof Promise ? { error: "got a Promise" } : reply({ saved: (previousAction as { data: unknown }).data }, { status: 201 }),
  echoInput: ({ method, path, params, query, body, headers, plugin }) => ({ method, path, params, query, body, trace: headers["x-trace"], plugin }),
  nothing: () => undefined,
  explode: () => {
    throw new Error("the disk is full")
  },
}

function composedHost(maxBodyBytes: number): RouteHost {
  const table = compileRoutes(routesFromConfig(apiRoutes))
  return {
    async handleRoute(id, path, request) {
      if (id !== demo.id) throw new PluginError("PLUGIN_NOT_FOUND", `No plugin with id ${id}`)
      const match = table.match(request.method, path)
      if (match.kind === "not-found") throw routeNotFound(demo, path, table.paths)
      if (match.kind === "method-not-allowed") throw methodNotAllowed(demo, request.method, path, match.allow)
      const input = await readRouteInput(request, { path, params: match.params, maxBodyBytes })
      return runActionChain({ actions, names: match.route.actions, context: { ...input, logger, table: null, plugin: demo } })
    },
  }
}

describe("createFetchHandler over HTTP (node:http server, real fetch)", () => {
  let server: TestServer
  let base: string

  beforeAll(async () => {
    server = await serveFetch(createFetchHandler(composedHost(1024), { basePath: "/api/plugins" }))
    base = `${server.url}/api/plugins/7/routes`
  })
  afterAll(async () => {
    await server.close()
  })

  it("answers a GET route with 200 JSON, with or without a trailing slash", async () => {
    for (const path of ["/status", "/status/", "/status?verbose=1"]) {
      const response = await fetch(`${base}${path}`)
      expect(response.status).toBe(200)
      expect(await json(response)).toEqual({ status: "ok" })
    }
  })

  it("runs a POST chain with an async action, each result reaching the next as a value", async () => {
    const response = await fetch(`${base}/save`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "web" }),
    })
    expect(response.status).toBe(201)
    expect(await json(response)).toEqual({ saved: { name: "WEB" } })
  })

  it("gives actions the method, path, decoded params, query, headers and plugin", async () => {
    const response = await fetch(`${base}/items/caf%C3%A9?tag=a&tag=b&q=1`, { method: "DELETE", headers: { "X-Trace": "t1" } })
    expect(await json(response)).toEqual({
      method: "DELETE",
      path: "/items/caf%C3%A9",
      params: { id: "café" },
      query: { tag: ["a", "b"], q: "1" },
      trace: "t1",
      plugin: { id: 7, name: "demo-plugin", version: "1.2.0" },
    })
  })

  it("parses url-encoded and multipart form bodies", async () => {
    const urlencoded = await fetch(`${base}/forms`, { method: "POST", body: new URLSearchParams("a=1&a=2&b=x") })
    expect((await json(urlencoded)).body).toEqual({ a: ["1", "2"], b: "x" })
    const form = new FormData()
    form.append("title", "t")
    form.append("file", new Blob(["12345"], { type: "image/png" }), "p.png")
    const multipart = await fetch(`${base}/forms`, { method: "POST", body: form })
    expect((await json(multipart)).body).toEqual({ title: "t", file: { name: "p.png", type: "image/png", size: 5 } })
  })

  it("answers a route that returns nothing with 204", async () => {
    const response = await fetch(`${base}/empty`)
    expect(response.status).toBe(204)
    expect(await response.text()).toBe("")
  })

  it("answers HEAD on a GET route with its headers and no body", async () => {
    const response = await fetch(`${base}/status`, { method: "HEAD" })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(await response.text()).toBe("")
  })

  it("answers an unknown path with 404 listing the plugin's routes", async () => {
    const response = await fetch(`${base}/statuz`)
    expect(response.status).toBe(404)
    const body = await json(response)
    expect(body.error).toBe("ROUTE_NOT_FOUND")
    expect(body.routes).toEqual(["/status", "/save", "/items/:id", "/forms", "/empty", "/boom"])
  })

  it("answers a wrong method with 405 and an Allow header", async () => {
    const response = await fetch(`${base}/items/1`, { method: "PUT", body: "x" })
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("GET, DELETE")
    expect((await json(response)).error).toBe("METHOD_NOT_ALLOWED")
  })

  it("answers an unknown plugin id with 404", async () => {
    const response = await fetch(`${server.url}/api/plugins/99/routes/status`)
    expect(response.status).toBe(404)
    expect((await json(response)).error).toBe("PLUGIN_NOT_FOUND")
  })

  it("answers a malformed JSON body with 400", async () => {
    const response = await fetch(`${base}/save`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" })
    expect(response.status).toBe(400)
    const body = await json(response)
    expect(body.error).toBe("BAD_REQUEST")
    expect(body.message).toMatch(/^Malformed JSON body: /)
  })

  it("answers a JSON body that is not valid UTF-8 with 400 instead of storing U+FFFD", async () => {
    // {"name":"caf\xe9"}: Latin-1 bytes sent as JSON, which is UTF-8.
    const bytes = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')])
    const response = await fetch(`${base}/save`, { method: "POST", headers: { "content-type": "application/json" }, body: bytes })
    expect(response.status).toBe(400)
    expect(await json(response)).toMatchObject({ error: "BAD_REQUEST", message: "The request body is not valid UTF-8: it holds an invalid byte sequence" })
  })

  it("answers a failing action with 500 naming the plugin and action, without a stack", async () => {
    const response = await fetch(`${base}/boom`)
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      error: "ACTION_FAILED",
      message: 'Action "explode" of plugin "demo-plugin" failed: the disk is full',
      pluginId: 7,
      plugin: "demo-plugin",
      action: "explode",
    })
    expect(text).not.toMatch(/stack|\bat .*:\d+:\d+/)
  })

  it("answers a body over the cap with 413, by its content-length", async () => {
    const response = await fetch(`${base}/forms`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x".repeat(1025) })
    expect(response.status).toBe(413)
    const body = await json(response)
    expect(body.error).toBe("PAYLOAD_TOO_LARGE")
    expect(body.message).toContain("1024 bytes")
  })

  it("answers a chunked upload (no content-length) over the cap with 413", async () => {
    let sent = 0
    const upload = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 64) return controller.close()
        sent++
        await new Promise((resolve) => setTimeout(resolve, 1))
        controller.enqueue(new Uint8Array(256).fill(97))
      },
    })
    const init: RequestInit & { duplex: "half" } = { method: "POST", headers: { "content-type": "text/plain" }, body: upload, duplex: "half" }
    const response = await fetch(`${base}/forms`, init)
    expect(response.status).toBe(413)
    expect((await json(response)).error).toBe("PAYLOAD_TOO_LARGE")
  })

  it("accepts a chunked upload under the cap", async () => {
    const chunks = ["hello ", "chunked ", "world"]
    const upload = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift()
        if (next === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(next))
      },
    })
    const init: RequestInit & { duplex: "half" } = { method: "POST", headers: { "content-type": "text/plain" }, body: upload, duplex: "half" }
    expect((await json(await fetch(`${base}/forms`, init))).body).toBe("hello chunked world")
  })

  it("answers a malformed percent-encoding in a param with 400", async () => {
    const response = await fetch(`${base}/items/%E0%A4%A`)
    expect(response.status).toBe(400)
    expect((await json(response)).error).toBe("BAD_REQUEST")
  })

  it("keeps serving after errors (nothing left half-open)", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => fetch(`${base}/items/${index}`).then((r) => r.json())))
    expect(results.map((result) => (result as { params: { id: string } }).params.id)).toEqual(
      Array.from({ length: 20 }, (_, index) => String(index)),
    )
  })
})

describe("createFetchHandler: synchronous answers", () => {
  it("answers with a Response, not a Promise, when the host's handleRouteNow answered synchronously", async () => {
    const host: RouteHost = { handleRoute: async () => ({ via: "async" }), handleRouteNow: () => ({ via: "sync" }) }
    const answer = createFetchHandler(host)(new Request("http://h/3/routes/x"))
    expect(answer).toBeInstanceOf(Response)
    expect(await (answer as Response).json()).toEqual({ via: "sync" })
  })

  it("answers a synchronous throw as an error response", async () => {
    const host: RouteHost = {
      handleRoute: async () => undefined,
      handleRouteNow: () => {
        throw new Error("nope")
      },
    }
    const answer = createFetchHandler(host)(new Request("http://h/3/routes/x")) as Response
    expect(answer.status).toBe(500)
  })

  it("still awaits a host that answers with a promise", async () => {
    const host: RouteHost = { handleRoute: async () => ({ via: "async" }) }
    const answer = createFetchHandler(host)(new Request("http://h/3/routes/x"))
    expect(answer).toBeInstanceOf(Promise)
    expect(await (await answer).json()).toEqual({ via: "async" })
  })
})
