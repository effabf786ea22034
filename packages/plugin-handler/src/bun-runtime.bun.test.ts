/**
 * Bun only (`pnpm --filter @dockstat/plugin-handler test:bun`, part of `pnpm test`): this suite really runs
 * in Bun, the sandbox and inline runtimes work there with their tables, and the worker runtime, which
 * needs what Bun does not have, fails to load naming why and leaves everything else as it was.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, PluginError } from "./index.ts"
import { pluginInput, runtimesOnThisHost, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const notes = (name: string) => `export default {
  config: {
    table: { name: "${name}", columns: { id: column.id(), text: column.text() } },
    apiRoutes: { "/add": { method: "POST", actions: ["add"] }, "/all": { actions: ["all"] }, "/host": { actions: ["host"] } },
    actions: {
      add: ({ table, body }) => table.insert(body),
      all: ({ table }) => table.select(["text"]).all(),
      host: () => typeof Bun,
    },
  },
}`

function setup() {
  const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], {
    logLevel: "silent",
    pluginRuntimes: { trusted: "inline", threaded: "worker" },
  })
  handlers.push(handler)
  const call = (id: number, path: string, init?: RequestInit) => handler.handleRoute(id, path, new Request(`http://localhost${path}`, init))
  const add = (id: number, text: string) => call(id, "/add", { method: "POST", body: JSON.stringify({ text }), headers: { "content-type": "application/json" } })
  return { handler, call, add }
}

describe("on Bun", () => {
  it("this process is Bun 1.2 or later", () => {
    const [major = 0, minor = 0] = (process.versions.bun ?? "").split(".").map(Number)
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(1002)
    expect(typeof (globalThis as { Bun?: unknown }).Bun).toBe("object")
  })

  it("suites that cover every runtime leave out the worker here, whose refusal is checked below", () => {
    expect(runtimesOnThisHost(["inline", "worker", "sandbox"])).toEqual(["inline", "sandbox"])
  })

  it("sandbox and inline plugins load and serve from their libSQL tables", async () => {
    const { handler, call, add } = setup()
    handler.savePlugin(pluginInput("boxed", notes("boxed_notes")))
    handler.savePlugin(pluginInput("trusted", notes("trusted_notes")))
    expect(await handler.loadAllPlugins()).toEqual({ successes: [1, 2], errors: [], skipped: [] })
    expect(handler.getStatus().loaded_plugins.map((plugin) => [plugin.name, plugin.runtime])).toEqual([["boxed", "sandbox"], ["trusted", "inline"]])
    await add(1, "in the sandbox")
    await add(2, "inline")
    expect(await call(1, "/all")).toEqual([{ text: "in the sandbox" }])
    expect(await call(2, "/all")).toEqual([{ text: "inline" }])
    // The sandbox has no host globals; an inline plugin runs in Bun itself.
    expect([await call(1, "/host"), await call(2, "/host")]).toEqual(["undefined", "object"])
  })

  it("a worker plugin fails to load naming what Bun lacks; nothing of it runs and the others serve", async () => {
    const { handler, call, add } = setup()
    handler.savePlugin(pluginInput("boxed", notes("boxed_notes")))
    handler.savePlugin(pluginInput("threaded", notes("threaded_notes")))
    await handler.loadPlugin(1)
    await add(1, "kept")
    const error = await handler.loadPlugin(2).then(
      () => new Error("expected the load to fail"),
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PluginError)
    expect((error as PluginError).message).toBe(
      `Could not load plugin "threaded" (id 2): the worker runtime needs Node.js: on Bun (${process.versions.bun}) a worker thread's memory cap ` +
        "(resourceLimits) is not enforced, and plugin code reaches require(), import.meta.require and Bun.spawn past the worker's module checks; " +
        'run this plugin in the sandbox runtime (the default) or "inline", or run the host on Node',
    )
    const all = await handler.loadAllPlugins()
    expect(all.errors).toEqual([{ pluginId: 2, error: expect.stringMatching(/the worker runtime needs Node\.js: on Bun/) }])
    expect(handler.getLoadedPlugins()).toEqual([1])
    expect(handler.getAll().map((plugin) => plugin.name)).toEqual(["boxed", "threaded"])
    expect(await call(1, "/all")).toEqual([{ text: "kept" }])
    // The same plugin runs in the sandbox when asked to.
    await handler.loadPlugin(2, { runtime: "sandbox" })
    await add(2, "boxed instead")
    expect(await call(2, "/all")).toEqual([{ text: "boxed instead" }])
  })
})
