/**
 * The worker runtime contains what a plugin does wrong: each misbehaviour ends at most its own thread,
 * the request gets a clear error, the other plugins keep serving, and the plugin comes back on the next call.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, PluginError } from "./index.ts"
import type { PluginHandlerOptions } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const troublemaker = `
let calls = 0
export default {
  config: {
    apiRoutes: {
      "/ok": { actions: ["ok"] },
      "/throw": { actions: ["boom"] },
      "/loop": { actions: ["first", "loop"] },
      "/exit": { actions: ["exit"] },
      "/memory": { actions: ["memory"] },
      "/recurse": { actions: ["recurse"] },
      "/dangling": { actions: ["dangling"] },
      "/calls": { actions: ["calls"] },
    },
    actions: {
      ok: () => "ok",
      boom: () => { throw new Error("boom") },
      first: () => 1,
      loop: () => { for (;;) {} },
      exit: () => { process.exit(3) },
      memory: () => { const hog = []; for (;;) hog.push(new Array(1e5).fill(Math.random())) },
      recurse: () => { const f = (n) => f(n + 1) + 1; return f(0) },
      dangling: () => { Promise.reject(new Error("nobody awaits me")); return "returned" },
      calls: () => ++calls,
    },
  },
}`

const bystander = `export default { config: { apiRoutes: { "/ping": { actions: ["ping"] } }, actions: { ping: () => "pong" } } }`

async function start(options: PluginHandlerOptions = {}) {
  const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], {
    logLevel: "silent",
    runtime: "worker",
    worker: { timeoutMs: 1500, maxHeapMb: 32, maxCrashes: 20 },
    ...options,
  })
  handlers.push(handler)
  handler.savePlugin(pluginInput("troublemaker", troublemaker))
  handler.savePlugin(pluginInput("bystander", bystander))
  expect(await handler.loadAllPlugins()).toEqual({ successes: [1, 2], errors: [], skipped: [] })
  const call = (id: number, path: string) => handler.handleRoute(id, path, new Request(`http://localhost${path}`))
  const failure = async (path: string) => {
    const error = await call(1, path).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PluginError)
    return error as PluginError
  }
  return { handler, call, failure }
}

async function recovers(context: Awaited<ReturnType<typeof start>>) {
  expect(await context.call(2, "/ping")).toBe("pong")
  expect(await context.call(1, "/ok")).toBe("ok")
}

describe("worker containment", () => {
  it("a throwing action: 500 naming plugin and action; the worker keeps its state", async () => {
    const context = await start()
    await context.call(1, "/calls")
    const error = await context.failure("/throw")
    expect([error.status, error.plugin, error.action, error.message]).toEqual([500, "troublemaker", "boom", 'Action "boom" of plugin "troublemaker" failed: boom'])
    expect(await context.call(1, "/calls")).toBe(2)
    await recovers(context)
  })

  it("an infinite loop: 504 naming the action it is stuck in, the thread is ended and restarted", async () => {
    const context = await start()
    const error = await context.failure("/loop")
    expect([error.status, error.code, error.action]).toEqual([504, "ACTION_TIMEOUT", "loop"])
    expect(error.message).toMatch(/did not finish within 1500 ms \(stuck in action "loop"\)/)
    await recovers(context)
    expect(context.handler.getStatus().loaded_plugins[0]).toMatchObject({ state: "running", restarts: 1 })
  }, 30_000)

  it("process.exit(): ends only the plugin's thread", async () => {
    const context = await start()
    const error = await context.failure("/exit")
    expect(error.status).toBe(500)
    expect(error.message).toMatch(/Plugin "troublemaker" exited \(code 3\) while running Route "\/exit"/)
    await recovers(context)
  })

  it("unbounded memory growth: ended by the heap limit, not the host", async () => {
    // Filling 32 MiB takes a while on a busy machine: a longer call timeout, so the heap limit ends it.
    const context = await start({ worker: { timeoutMs: 30_000, maxHeapMb: 32, maxCrashes: 20 } })
    const error = await context.failure("/memory")
    expect(error.status).toBe(500)
    expect(error.message).toMatch(/ran out of memory/)
    await recovers(context)
  }, 60_000)

  it("unbounded recursion: a 500 with the RangeError, the worker keeps running", async () => {
    const context = await start()
    const error = await context.failure("/recurse")
    expect([error.status, error.action]).toEqual([500, "recurse"])
    expect(error.message).toMatch(/Maximum call stack size exceeded/)
    await recovers(context)
  })

  it("a rejected promise nobody awaits: the thread ends as Node ends a process, and comes back", async () => {
    const context = await start()
    const answer = await context.call(1, "/dangling").then(
      (value) => value,
      (error: unknown) => error,
    )
    // The action returned before the rejection was noticed, or the crash beat the answer: either way, clear.
    if (answer !== "returned") expect((answer as Error).message).toMatch(/nobody awaits me|crashed/)
    await expect.poll(() => context.handler.getStatus().loaded_plugins[0]?.lastError).toMatch(/nobody awaits me/)
    await recovers(context)
  })

  it("a throw at import: the load fails with the reason and the other plugins load", async () => {
    const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], { logLevel: "silent", runtime: "worker" })
    handlers.push(handler)
    handler.savePlugin(pluginInput("broken", 'throw new Error("cannot start")\nexport default {}'))
    handler.savePlugin(pluginInput("bystander", bystander))
    const result = await handler.loadAllPlugins()
    expect(result.successes).toEqual([2])
    expect(result.errors).toEqual([{ pluginId: 1, error: expect.stringMatching(/Could not load plugin "broken" \(id 1\): cannot start/) }])
  })

  it("repeated crashes mark the plugin failed, visible in getStatus, until it is reloaded", async () => {
    const context = await start({ worker: { timeoutMs: 1500, maxHeapMb: 32, maxCrashes: 2, crashWindowMs: 60_000 } })
    await context.failure("/exit")
    await context.failure("/exit")
    const status = context.handler.getStatus().loaded_plugins.find((plugin) => plugin.id === 1)
    expect(status).toMatchObject({ state: "failed", lastError: "exited (code 3)" })
    const refused = await context.failure("/ok")
    expect([refused.status, refused.message]).toEqual([503, expect.stringMatching(/crashed 2 times .* and is stopped/)])
    expect(await context.call(2, "/ping")).toBe("pong")
    await context.handler.reloadPlugin(1)
    expect(await context.call(1, "/ok")).toBe("ok")
  })

  it("requests in flight on other plugins are not delayed by a stuck one", async () => {
    const context = await start()
    const stuck = context.failure("/loop")
    for (let index = 0; index < 20; index++) expect(await context.call(2, "/ping")).toBe("pong")
    expect((await stuck).status).toBe(504)
  }, 30_000)

  it("unload ends the thread; repeated load/unload cycles do not grow memory without bound", async () => {
    const context = await start()
    const before = process.memoryUsage().rss
    for (let cycle = 0; cycle < 25; cycle++) {
      context.handler.unloadPlugin(2)
      await context.handler.loadPlugin(2)
    }
    await context.handler.close()
    // Loose guard (the benchmark measures 1000 cycles): a leaked worker costs several MiB each.
    expect(process.memoryUsage().rss - before).toBeLessThan(60 * 1024 * 1024)
  }, 60_000)
})
