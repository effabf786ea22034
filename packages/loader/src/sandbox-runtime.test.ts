import { afterEach, describe, expect, it } from "vitest"
import { DB, createPluginRegistry } from "@dockstat/plugin-store"

import type { Logger, PluginRow, RouteInput } from "@dockstat/plugin-schema"

import { loadPlugin } from "./load-plugin.ts"
import type { SandboxLimits, SandboxPluginInstance } from "./sandbox-runtime.ts"

const lines: { level: string; args: unknown[] }[] = []
const logger = Object.fromEntries(["trace", "debug", "info", "warn", "error", "fatal"].map((level) => [level, (...args: unknown[]) => lines.push({ level, args })])) as unknown as Logger

function store(db: DB, code: string, name = "p", permissions?: { network?: string[]; env?: string[] }): PluginRow {
  const registry = createPluginRegistry(db)
  const id = registry.insert({ name, version: "1.0.0", repoType: "local", repository: "local", manifest: "local", author: {}, plugin: code, ...(permissions ? { permissions } : {}) })
  return registry.get(id) as PluginRow
}

const get = (path: string, extra: Partial<RouteInput> = {}): RouteInput => ({ method: "GET", path, params: {}, query: {}, headers: {}, body: undefined, ...extra })

const disposers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose()
  lines.length = 0
})

async function load(code: string, options: { permissions?: { network?: string[]; env?: string[] }; timeoutMs?: number; environment?: Record<string, string>; sandbox?: SandboxLimits } = {}) {
  const db = new DB(":memory:")
  const { instance } = await loadPlugin(store(db, code, "p", options.permissions), {
    db,
    logger,
    runtime: "sandbox",
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
  })
  disposers.push(() => instance.dispose())
  return instance as SandboxPluginInstance
}

describe("sandbox runtime", () => {
  it("runs a plugin with a table, routes and hooks", async () => {
    const instance = await load(`
      export default {
        name: "notes",
        config: {
          table: { name: "notes", columns: { id: column.id(), text: column.text(), at: column.date(), meta: column.json() } },
          apiRoutes: { "/notes": { method: "POST", actions: ["save"] }, "GET /notes": { actions: ["list"] }, "/async": { actions: ["wait", "echo"] } },
          actions: {
            save: ({ table, body }) => table.insert({ ...body, at: new Date("2024-01-02T03:04:05Z") }),
            list: ({ table, logger }) => { logger.info("listing"); return table.select(["*"]).where({ text: "hello" }).all() },
            wait: async () => { await new Promise((r) => setTimeout(r, 5)); return 41 },
            echo: ({ previousAction }) => previousAction + 1,
          },
        },
        events: { onContainerStart: ({ container, table }) => { table.insert({ text: container.id }) } },
      }`)
    expect(instance.runtime).toBe("sandbox")
    expect(instance.hooks).toEqual(["onContainerStart"])
    expect(instance.runRouteNow("/notes", get("/notes", { method: "POST", body: { text: "hello", meta: { a: [1] } } }))).toEqual({ insertId: 1, changes: 1 })
    const rows = instance.runRouteNow("GET /notes", get("/notes")) as { at: Date }[]
    expect(rows).toEqual([{ id: 1, text: "hello", at: new Date("2024-01-02T03:04:05Z"), meta: { a: [1] } }])
    expect(rows[0]?.at).toBeInstanceOf(Date)
    expect(lines.some((line) => line.level === "info" && line.args[0] === "listing")).toBe(true)
    await expect(instance.runRoute("/async", get("/async"))).resolves.toBe(42)
    await instance.runHook("onContainerStart", { container: { id: "abc" } })
    expect(instance.table?.count()).toBe(2)
  })

  it("has no process, require or host objects", async () => {
    const instance = await load(`
      export default { config: { apiRoutes: { "/probe": { actions: ["probe"] } }, actions: { probe: ({ table, logger }) => ({
        process: typeof process, require: typeof require, globalProcess: typeof globalThis.process, Buffer: typeof Buffer,
        viaLogger: (() => { try { return logger.info.constructor("return typeof process")() } catch (e) { return "threw " + e.message } })(),
        viaFetch: typeof fetch.constructor("return this")().process,
      }) } } }`)
    expect(instance.runRouteNow("/probe", get("/probe"))).toEqual({ process: "undefined", require: "undefined", globalProcess: "undefined", Buffer: "undefined", viaLogger: "undefined", viaFetch: "undefined" })
  })

  it("interrupts an endless loop with a 504 naming the action, then serves the next call", async () => {
    const instance = await load(`
      export default { config: { apiRoutes: { "/loop": { actions: ["first", "loop"] }, "/ok": { actions: ["ok"] } }, actions: {
        first: () => 1, loop: () => { try { while (true) {} } catch { return "caught" } }, ok: () => "fine" } } }`, { timeoutMs: 300 })
    expect(() => instance.runRouteNow("/loop", get("/loop"))).toThrow('Route "/loop" of plugin "p" did not finish within 200 ms (stuck in action "loop")')
    expect(instance.runRouteNow("/ok", get("/ok"))).toBe("fine")
  })

  it("keeps JSON standard for the plugin's own use while Dates and bytes cross the boundary intact", async () => {
    const instance = await load(`export default { config: { apiRoutes: { "/json": { actions: ["json"] } }, actions: { json: () => ({
      text: JSON.stringify({ at: new Date("2024-01-02T03:04:05Z"), bytes: new Uint8Array([1, 2]) }),
      at: new Date("2024-01-02T03:04:05Z"),
      bytes: new Uint8Array([1, 2, 255]),
    }) } } }`)
    const answer = instance.runRouteNow("/json", get("/json")) as { text: string; at: Date; bytes: Uint8Array }
    expect(answer.text).toBe('{"at":"2024-01-02T03:04:05.000Z","bytes":{"0":1,"1":2}}')
    expect(answer.at).toEqual(new Date("2024-01-02T03:04:05Z"))
    expect([...answer.bytes]).toEqual([1, 2, 255])
  })

  it("gives every call its own request, headers included, whether it answers at once or after an await", async () => {
    const instance = await load(`
      const seen = (ctx) => ({ method: ctx.method, path: ctx.path, params: ctx.params, query: ctx.query, body: ctx.body, agent: ctx.headers["x-agent"] })
      export default { config: {
        apiRoutes: { "/now": { actions: ["now"] }, "/later": { actions: ["later"] }, "/none": { actions: ["none"] }, "/fn": { actions: ["fn"] } },
        actions: {
          now: (ctx) => seen(ctx),
          later: async (ctx) => { await new Promise((r) => setTimeout(r, 5)); return seen(ctx) },
          none: () => undefined,
          fn: () => () => 1,
        },
      } }`)
    const agent = (name: string) => ({ "x-agent": name })
    // A bare GET (no params, query or body) travels in a short form; the others as JSON.
    expect(instance.runRouteNow("/now", get("/a b/c", { headers: agent("bare") }))).toEqual({ method: "GET", path: "/a b/c", params: {}, query: {}, body: undefined, agent: "bare" })
    expect(instance.runRouteNow("/now", get("/x", { method: "DELETE", params: { id: "7" }, query: { q: ["1", "2"] }, body: { at: new Date(0) }, headers: agent("full") }))).toEqual({
      method: "DELETE",
      path: "/x",
      params: { id: "7" },
      query: { q: ["1", "2"] },
      body: { at: new Date(0) },
      agent: "full",
    })
    // Concurrent calls that read their headers after an await, each from its own request.
    const names = ["a", "b", "c", "d"]
    const answers = await Promise.all(names.map((name, index) => instance.runRoute("/later", get(`/later/${name}`, index % 2 === 0 ? { headers: agent(name) } : { headers: agent(name), query: { n: name } }))))
    expect(answers.map((answer) => (answer as { agent: string; path: string }).agent)).toEqual(names)
    expect(answers.map((answer) => (answer as { path: string }).path)).toEqual(names.map((name) => `/later/${name}`))
    // Values JSON cannot hold answer undefined, as before.
    expect(instance.runRouteNow("/none", get("/none"))).toBeUndefined()
    expect(instance.runRouteNow("/fn", get("/fn"))).toBeUndefined()
  })

  it("survives a plugin whose answer promise rejects with a promise (freed twice by the host before)", async () => {
    const instance = await load(`
      const then = Promise.prototype.then
      export default { config: { apiRoutes: { "/x": { actions: ["x"] }, "/ok": { actions: ["ok"] } }, actions: {
        x: () => {
          Promise.prototype.then = function () {
            Promise.prototype.then = then
            return new Promise((_, reject) => setTimeout(() => reject(Promise.resolve(1)), 5))
          }
          return Promise.resolve(1)
        },
        ok: () => "fine",
      } } }`)
    await expect(instance.runRoute("/x", get("/x"))).rejects.toThrow(/Route "\/x" of plugin "p" failed/)
    expect(instance.runRouteNow("/ok", get("/ok"))).toBe("fine")
  })

  it("ends timers with the load and with a call that ran past its slice, so none keeps running on the host", async () => {
    const instance = await load(`
      let ticks = 0
      setInterval(() => { ticks++ }, 1)
      export default { config: { apiRoutes: { "/ticks": { actions: ["ticks"] }, "/spin": { actions: ["spin"] } }, actions: {
        ticks: () => ticks,
        spin: () => { setInterval(() => { ticks++ }, 1); for (;;) {} },
      } } }`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(instance.runRouteNow("/ticks", get("/ticks"))).toBe(0)
    expect(() => instance.runRouteNow("/spin", get("/spin"))).toThrow(/did not finish within 200 ms/)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(instance.runRouteNow("/ticks", get("/ticks"))).toBe(0)
  })

  it("times out the call at once when a timer callback runs past its slice, and the timer does not fire again", async () => {
    const instance = await load(`
      let fired = 0
      export default { config: { apiRoutes: { "/stuck": { actions: ["stuck"] }, "/fired": { actions: ["fired"] } }, actions: {
        stuck: () => new Promise((resolve) => setInterval(() => { fired++; for (;;) {} }, 1)),
        fired: () => fired,
      } } }`, { timeoutMs: 5000 })
    // The slice (200 ms), not the call's 5 s timeout.
    await expect(instance.runRoute("/stuck", get("/stuck"))).rejects.toThrow(/did not finish within 200 ms/)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(instance.runRouteNow("/fired", get("/fired"))).toBe(1)
  })

  it("checks the size of what the plugin hands the host before the host decodes it: answers, log lines, table calls", async () => {
    const instance = await load(`
      export default { config: {
        table: { name: "t", columns: { id: column.id(), text: column.text() } },
        apiRoutes: { "/many": { actions: ["many"] }, "/shared": { actions: ["shared"] }, "/later": { actions: ["later"] }, "/log": { actions: ["log"] }, "/insert": { actions: ["insert"] }, "/ok": { actions: ["ok"] }, "/euro": { actions: ["euro"] } },
        actions: {
          many: () => Array.from({ length: 2000 }, () => ({})),
          // Shared references: a small engine value, a large text.
          shared: () => Array(30).fill(Array(100).fill({})),
          later: async () => { await null; return "x".repeat(20000) },
          log: ({ logger }) => { logger.info("y".repeat(20000)); return "logged" },
          insert: ({ table }) => table.insert({ text: "z".repeat(20000) }),
          ok: () => ({ fine: true }),
          // 4,000 characters, 12,000 bytes of UTF-8: the cap counts bytes.
          euro: () => "\u20ac".repeat(4000),
        },
      } }`, { sandbox: { maxMessageBytes: 10000, maxMessageStructures: 1000 } })
    expect(() => instance.runRouteNow("/many", get("/many"))).toThrow(/sent the answer of Route "\/many" holding more than 1000 objects and arrays; .*sandbox\.maxMessageStructures/)
    expect(() => instance.runRouteNow("/shared", get("/shared"))).toThrow(/holding more than 1000 objects and arrays/)
    await expect(instance.runRoute("/later", get("/later"))).rejects.toThrow(/sent the answer of Route "\/later" of 19\.6 KiB; the sandbox takes at most 9\.8 KiB \(sandbox\.maxMessageBytes\)/)
    expect(instance.runRouteNow("/log", get("/log"))).toBe("logged")
    expect(lines.some((line) => line.level === "warn" && /a log line of the plugin was dropped: .*sandbox\.maxMessageBytes/.test(String(line.args[0])))).toBe(true)
    expect(() => instance.runRouteNow("/insert", get("/insert"))).toThrow(/sent a table call of [\d.]+ KiB; the sandbox takes at most 9\.8 KiB/)
    expect(instance.table?.count()).toBe(0)
    expect(instance.runRouteNow("/ok", get("/ok"))).toEqual({ fine: true })
    expect(() => instance.runRouteNow("/euro", get("/euro"))).toThrow(/sent the answer of Route "\/euro" of 11\.7 KiB; the sandbox takes at most 9\.8 KiB/)
  })

  it("lets a plugin have at most sandbox.maxFetches fetches in flight", async () => {
    const instance = await load(`export default { config: { apiRoutes: { "/burst": { actions: ["burst"] } }, actions: {
      burst: async () => (await Promise.allSettled(Array.from({ length: 5 }, () => fetch("http://example.invalid/")))).map((result) => String(result.reason?.message ?? result.reason)),
    } } }`, { sandbox: { maxFetches: 3 } })
    const reasons = (await instance.runRoute("/burst", get("/burst"))) as string[]
    expect(reasons.filter((reason) => /not allowed/.test(reason))).toHaveLength(3)
    expect(reasons.filter((reason) => /3 fetches in flight: no more can start \(sandbox\.maxFetches\)/.test(reason))).toHaveLength(2)
  })

  it("gives ctx.env only the declared names", async () => {
    const instance = await load(`export default { config: { apiRoutes: { "/env": { actions: ["env"] } }, actions: { env: ({ env }) => env } } }`, {
      permissions: { env: ["API_TOKEN"] },
      environment: { API_TOKEN: "t0k", SECRET: "nope" },
    })
    expect(instance.runRouteNow("/env", get("/env"))).toEqual({ API_TOKEN: "t0k" })
  })

  it("refuses node: imports with a message that says it needs a trusted runtime", async () => {
    await expect(load(`import fs from "node:fs"; export default {}`)).rejects.toThrow(/import of "node:fs" needs a trusted runtime/)
    // Bun counts bun:ffi as a built-in; no runtime gives it, so a trusted one is no way out.
    await expect(load(`import { dlopen } from "bun:ffi"; export default {}`)).rejects.toThrow(/import of "bun:ffi" is not allowed: sandboxed plugin code may import only the SDK/)
  })
})
