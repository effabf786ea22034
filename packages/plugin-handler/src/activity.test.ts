/**
 * The activity feed (`handler.onActivity`): every lifecycle change, event delivery and plugin failure the
 * handler logs reaches a listener, typed and numbered, from a real handler on a real libSQL file.
 */
import { join } from "node:path"
import { pino } from "pino"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import type { Activity, PluginHandlerOptions } from "./index.ts"
import { pluginInput, serveFiles, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Line = Record<string, unknown>

function open(options: PluginHandlerOptions = {}) {
  const lines: Line[] = []
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) })
  const db = new DB(join(tempDir(), "app.db"))
  const handler = new PluginHandler(db, ["API"], { logger, install: { allowPrivateNetwork: true }, ...options })
  const heard: Activity[] = []
  const stop = handler.onActivity((activity) => heard.push(activity))
  cleanups.push(async () => {
    stop()
    await handler.close()
    db.close()
  })
  return { db, handler, heard, lines }
}

const notes = (version: string, network: string[]) =>
  JSON.stringify({
    name: "notes",
    version,
    author: { name: "Tester" },
    permissions: { network },
    plugin: `export default {
      config: {
        table: { name: "notes_rows", columns: { id: column.id(), text: column.text() } },
        apiRoutes: { "/ok": { actions: ["ok"] }, "/boom": { actions: ["boom"] } },
        actions: { ok: () => "${version}", boom: () => { throw new Error("kaboom") } },
      },
      events: {
        onContainerStart: ({ container }) => { if (container.name === "bad") throw new Error("hook broke") },
      },
    }`,
  })

const kinds = (heard: Activity[]) => heard.map((activity) => activity.kind)

describe("handler.onActivity", () => {
  it("hears install, activate, load, action and hook failures, events, update, deactivate, unload and delete, in order", async () => {
    const files = await serveFiles({ "/v1.json": { body: notes("1.0.0", []) }, "/v2.json": { body: notes("2.0.0", ["api.example.com"]) } })
    cleanups.push(files.close)
    const { handler, heard } = open()

    const installed = await handler.installFromManifestLink(`${files.url}/v1.json`)
    if (!installed.success) throw new Error(installed.message)
    const id = installed.id
    await handler.activatePlugin(id)
    await expect(handler.handleRoute(id, "/boom", new Request("http://localhost/boom"))).rejects.toThrow(/kaboom/)
    await handler.emit("onContainerStart", { container: { id: "c1", name: "web" } })
    await handler.emit("onContainerStart", { container: { id: "c2", name: "bad" } })
    const updated = await handler.installFromManifestLink(`${files.url}/v2.json`, { update: true })
    expect(updated.success).toBe(true)
    handler.deactivatePlugin(id)
    handler.deletePlugin(id, { dropTable: true })
    await handler.settled()

    expect(kinds(heard)).toEqual(["install", "load", "activate", "action-failed", "event", "hook-failed", "event", "update", "unload", "deactivate", "delete"])
    // Numbered in order, timestamped, one line each.
    expect(heard.map((activity) => activity.seq)).toEqual(heard.map((_, index) => index + 1))
    for (const activity of heard) expect(Date.parse(activity.at)).not.toBeNaN()

    const [install, load, activate, action, event, hook, failedEvent, update, , , deleted] = heard
    expect(install).toMatchObject({ kind: "install", pluginId: id, plugin: "notes", version: "1.0.0", source: `${files.url}/v1.json`, message: `notes (id ${id}) installed: 1.0.0 from ${files.url}/v1.json` })
    expect(load).toMatchObject({ kind: "load", pluginId: id, plugin: "notes", version: "1.0.0", runtime: "sandbox" })
    expect(activate).toMatchObject({ kind: "activate", pluginId: id })
    expect(action).toMatchObject({ kind: "action-failed", pluginId: id, plugin: "notes", route: "/boom", action: "boom", status: 500, error: expect.stringContaining("kaboom") })
    expect(event).toMatchObject({ kind: "event", hook: "onContainerStart", source: "emit", subject: "container web", delivered: 1, failed: 0 })
    expect(hook).toMatchObject({ kind: "hook-failed", pluginId: id, hook: "onContainerStart", status: "error", error: expect.stringContaining("hook broke") })
    expect(failedEvent).toMatchObject({ kind: "event", subject: "container bad", delivered: 1, failed: 1, message: "onContainerStart (container bad) from emit delivered to 1 plugin, 1 failed" })
    expect(update).toMatchObject({ kind: "update", pluginId: id, from: "1.0.0", to: "2.0.0", addedPermissions: { network: ["api.example.com"], env: [] } })
    expect(update?.message).toBe(`notes (id ${id}) updated from 1.0.0 to 2.0.0; new permissions: network api.example.com`)
    expect(deleted).toMatchObject({ kind: "delete", pluginId: id, droppedTable: true })
  })

  it("hears failed installs, updates and loads with the host's message", async () => {
    const files = await serveFiles({ "/bad.json": { body: JSON.stringify({ name: "bad", version: "1.0.0", author: "nobody", plugin: "export default {}" }) } })
    cleanups.push(files.close)
    const { handler, heard } = open()

    const refused = await handler.installFromManifestLink(`${files.url}/bad.json`)
    expect(refused.success).toBe(false)
    const saved = handler.savePlugin(pluginInput("broken", "export default { config: { apiRoutes: { '/x': { actions: ['missing'] } } } }"))
    if (!saved.success) throw new Error(saved.message)
    await expect(handler.loadPlugin(saved.id)).rejects.toThrow()
    const update = await handler.savePlugin(pluginInput("broken", "export default {", { version: "2.0.0" }), true)
    expect(update.success).toBe(false)

    expect(heard[0]).toMatchObject({ kind: "install-failed", source: `${files.url}/bad.json`, update: false, failure: "validation", error: expect.stringContaining("author") })
    expect(heard[1]).toMatchObject({ kind: "load-failed", pluginId: saved.id, plugin: "broken", error: expect.stringContaining("missing") })
    expect(heard[2]).toMatchObject({ kind: "update-failed", plugin: "broken", error: update.message })

    // A source with credentials is refused; its secret reaches neither the activity nor the answer.
    const secret = await handler.installFromManifestLink("https://deploy:ghp_secret@example.com/m.json")
    expect(secret.success).toBe(false)
    expect(heard[3]).toMatchObject({ kind: "install-failed", source: "https://***@example.com/m.json", failure: "validation" })
    expect(JSON.stringify(heard[3])).not.toMatch(/ghp_secret|deploy/)
    expect(secret.success ? "" : secret.message).not.toMatch(/ghp_secret/)
  })

  it("hears a worker plugin's crash and when it is marked failed", async () => {
    const { handler, heard } = open({ runtime: "worker", worker: { maxCrashes: 2, crashWindowMs: 60_000 } })
    const saved = handler.savePlugin(pluginInput("exits", `export default { config: { apiRoutes: { "/exit": { actions: ["exit"] } }, actions: { exit: () => process.exit(3) } } }`))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    await expect(handler.handleRoute(saved.id, "/exit", new Request("http://localhost/exit"))).rejects.toThrow()
    await expect(handler.handleRoute(saved.id, "/exit", new Request("http://localhost/exit"))).rejects.toThrow()

    const crashes = heard.filter((activity) => activity.kind === "crash")
    expect(crashes).toEqual([
      expect.objectContaining({ kind: "crash", pluginId: saved.id, plugin: "exits", state: "restarting", reason: expect.stringContaining("exit") }),
      expect.objectContaining({ kind: "crash", pluginId: saved.id, plugin: "exits", state: "failed", message: expect.stringContaining("marked failed until reloaded") }),
    ])
  })

  it("a listener that throws is logged and kept; the handler's work is done all the same", async () => {
    const { handler, lines, heard } = open()
    const calls: string[] = []
    handler.onActivity((activity) => {
      calls.push(activity.kind)
      throw new Error("listener broke")
    })
    const saved = handler.savePlugin(pluginInput("quiet", "export default {}"))
    if (!saved.success) throw new Error(saved.message)
    await handler.activatePlugin(saved.id)
    handler.deactivatePlugin(saved.id)

    expect(handler.getStatus().installed_plugins.data[0]).toMatchObject({ enabled: false })
    expect(calls).toEqual(["load", "activate", "unload", "deactivate"])
    expect(kinds(heard)).toEqual(calls)
    expect(lines.filter((line) => line.msg === "an activity listener threw; it stays subscribed")).toHaveLength(4)
  })

  it("stops delivering once unsubscribed; numbering counts only what was delivered", async () => {
    const { handler, heard } = open()
    const second: Activity[] = []
    const stop = handler.onActivity((activity) => second.push(activity))
    const saved = handler.savePlugin(pluginInput("once", "export default {}"))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    stop()
    stop()
    handler.unloadPlugin(saved.id)

    expect(kinds(second)).toEqual(["load"])
    expect(kinds(heard)).toEqual(["load", "unload"])
    expect(() => handler.onActivity("nope" as never)).toThrow(/needs a function/)
  })
})
