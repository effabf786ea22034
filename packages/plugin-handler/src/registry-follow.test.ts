/**
 * One registry, many processes (issue 16): a handler that started follows the installs, updates,
 * enables, disables and deletes another connection to the same file makes (another process, the CLI).
 * Each "process" here is a handler with its own connection; apps/demo repeats this with real processes.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import type { PluginHandlerOptions, RuntimeKind } from "./index.ts"
import { KEPT_CHANGES, recordChange } from "@dockstat/plugin-store"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function open(file: string, options: PluginHandlerOptions = {}) {
  const db = new DB(file)
  const handler = new PluginHandler(db, [], { logLevel: "silent", registryFeed: { intervalMs: 50 }, ...options })
  cleanups.push(async () => {
    await handler.close()
    db.close()
  })
  const call = (id: number, path: string) => handler.handleRoute(id, path, new Request(`http://localhost${path}`))
  return { db, handler, call }
}

/** A plugin answering its version on /version and counting its loads (onLoad) in its table. */
const versioned = (version: string, extraColumn = "") => `export default {
  config: {
    table: { name: "loads", columns: { id: column.id(), version: column.text()${extraColumn} } },
    apiRoutes: { "/version": { actions: ["version"] } },
    actions: { version: () => "${version}" },
  },
  events: { onLoad: ({ table }) => { table.insert({ version: "${version}" }) } },
}`

const served = async (call: (id: number, path: string) => Promise<unknown>, id: number) => {
  try {
    return await call(id, "/version")
  } catch (error) {
    return (error as { code?: string }).code
  }
}

describe.each<RuntimeKind>(["sandbox", "inline", "worker"])("a started handler follows the registry (%s runtime)", (runtime) => {
  it("loads an install, swaps an update, unloads a disable, loads an enable and unloads a delete made elsewhere", async () => {
    const file = join(tempDir(), "app.db")
    const server = open(file, { runtime })
    const cli = open(file, { runtime })
    await server.handler.start()

    const saved = cli.handler.savePlugin(pluginInput("versioned", versioned("1")))
    if (!saved.success) throw new Error(saved.message)
    const { id } = saved
    await expect.poll(() => served(server.call, id), { timeout: 30_000 }).toBe("1")

    const updated = await cli.handler.savePlugin(pluginInput("versioned", versioned("2", ", note: column.text()"), { id, version: "2.0.0" }), true)
    expect(updated).toMatchObject({ success: true })
    await expect.poll(() => served(server.call, id), { timeout: 30_000 }).toBe("2")
    expect(server.handler.getStatus().loaded_plugins).toEqual([expect.objectContaining({ id, version: "2.0.0" })])

    expect(cli.handler.deactivatePlugin(id)).toMatchObject({ success: true })
    await expect.poll(() => served(server.call, id), { timeout: 30_000 }).toBe("PLUGIN_NOT_LOADED")

    await cli.handler.activatePlugin(id)
    await expect.poll(() => served(server.call, id), { timeout: 30_000 }).toBe("2")

    expect(cli.handler.deletePlugin(id)).toMatchObject({ success: true })
    await expect.poll(() => served(server.call, id), { timeout: 30_000 }).toBe("PLUGIN_NOT_FOUND")
    expect(server.handler.getLoadedPlugins()).toEqual([])
  }, 180_000)
})

describe("following the registry", () => {
  it("does no work twice for the process's own changes", async () => {
    const file = join(tempDir(), "app.db")
    const server = open(file, { runtime: "inline" })
    const other = open(file, { runtime: "inline" })
    await server.handler.start()
    const saved = server.handler.savePlugin(pluginInput("versioned", versioned("1")))
    if (!saved.success) throw new Error(saved.message)
    await server.handler.activatePlugin(saved.id)
    await server.handler.savePlugin(pluginInput("versioned", versioned("2"), { id: saved.id, version: "2.0.0" }), true)
    // Another process's change makes the server read the feed, its own changes included.
    other.handler.savePlugin(pluginInput("bystander", "export default {}"))
    await expect.poll(() => server.handler.getLoadedPlugins(), { timeout: 30_000 }).toEqual([saved.id, saved.id + 1])
    await server.handler.settled()
    // One load of version 1 (activate), one of version 2 (the update's swap): nothing reloaded by the feed.
    expect(server.db.query("SELECT version FROM loads ORDER BY id").all()).toEqual([{ version: "1" }, { version: "2" }])
  })

  it("a handler that did not start (a CLI) follows nothing", async () => {
    const file = join(tempDir(), "app.db")
    const quiet = open(file, { runtime: "inline" })
    const other = open(file, { runtime: "inline" })
    await quiet.handler.loadAllPlugins()
    other.handler.savePlugin(pluginInput("versioned", versioned("1")))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(quiet.handler.getLoadedPlugins()).toEqual([])
  })

  it("compares every plugin when more changes than the feed keeps came in between two looks", async () => {
    const file = join(tempDir(), "app.db")
    const server = open(file, { runtime: "inline", registryFeed: { intervalMs: 500 } })
    const other = open(file, { runtime: "inline" })
    const first = other.handler.savePlugin(pluginInput("first", versioned("1")))
    if (!first.success) throw new Error(first.message)
    await server.handler.start()
    expect(server.handler.getLoadedPlugins()).toEqual([first.id])
    const before = server.handler.getRegistryVersion()
    // The disable is recorded, then pushed out of the feed by more changes than it keeps (of a plugin
    // that does not exist), all before the server looks again: only comparing every plugin finds it.
    other.db.transaction(() => {
      other.handler.deactivatePlugin(first.id)
      for (let index = 0; index < KEPT_CHANGES; index++) recordChange(other.db, 999, "update", "1")
    })
    // The feed no longer says anything about the first plugin.
    expect(other.db.query("SELECT count(*) AS n FROM registry_changes WHERE plugin_id = ?").get(first.id)).toEqual({ n: 0 })
    await expect.poll(() => server.handler.getLoadedPlugins(), { timeout: 30_000 }).toEqual([])
    expect(server.handler.getRegistryVersion()).toBe(before + 1 + KEPT_CHANGES)
  })
})
