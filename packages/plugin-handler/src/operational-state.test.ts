/**
 * Operational truth (issue 12): a failed update changes nothing in any runtime, enabled state and the
 * admin's runtime choice survive restarts, and every failure leaves one log line naming the plugin.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pino } from "pino"
import { afterEach, describe, expect, it } from "vitest"

import type { ServerResponse } from "node:http"

import PluginHandler, { DB } from "./index.ts"
import type { PluginHandlerOptions, RuntimeKind } from "./index.ts"
import { pluginInput, serveFiles, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Line = Record<string, unknown>

/** A handler on a real libSQL file whose log lines are kept (JSON, as pino writes them). */
function open(file: string, options: PluginHandlerOptions = {}) {
  const lines: Line[] = []
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) })
  const db = new DB(file)
  const handler = new PluginHandler(db, ["API"], { logger, install: { allowPrivateNetwork: true }, ...options })
  cleanups.push(async () => {
    await handler.close()
    db.close()
  })
  const call = (id: number, path: string) => handler.handleRoute(id, path, new Request(`http://localhost${path}`))
  const failure = async (promise: Promise<unknown>) => {
    try {
      await promise
    } catch (error) {
      return error as Error & { status: number }
    }
    throw new Error("expected a failure")
  }
  return { db, handler, lines, call, failure }
}

/** Every table's schema and rows, as one string: equal dumps mean an unchanged database. */
function dump(db: DB): string {
  const tables = db.query("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").all()
  return JSON.stringify(tables.map((table) => ({ ...table, rows: String(table.sql ?? "").startsWith("CREATE TABLE") ? db.query(`SELECT * FROM "${String(table.name)}" ORDER BY rowid`).all() : [] })))
}

const items = (answer: string, routes = `"GET /items/:id": { actions: ["item"] }`) =>
  `export default { config: { table: { name: "items", columns: { id: column.id(), v: column.text() } }, apiRoutes: { "/version": { actions: ["version"] }, ${routes} }, actions: { version: () => "${answer}", item: ({ params }) => params } } }`

describe.each<RuntimeKind>(["sandbox", "inline", "worker"])("a failed update changes nothing (%s runtime)", (runtime) => {
  async function installed() {
    const context = open(join(tempDir(), "app.db"), { runtime })
    const saved = context.handler.savePlugin(pluginInput("items", items("1")))
    if (!saved.success) throw new Error(saved.message)
    await context.handler.loadPlugin(saved.id)
    expect(await context.call(saved.id, "/version")).toBe("1")
    return { ...context, id: saved.id }
  }

  it("clashing routes: { success: false } naming them, 1.0.0 stored and serving, reload still works", async () => {
    const { db, handler, call, id } = await installed()
    const before = dump(db)
    const clash = items("2", `"GET /items/:id": { actions: ["item"] }, "GET /items/:name": { actions: ["item"] }`)
    const result = await handler.savePlugin(pluginInput("items", clash, { id, version: "2.0.0" }), true)
    expect(result).toMatchObject({ success: false, message: expect.stringMatching(/Update of plugin "items" \(id 1\) refused: .*GET \/items\/:(id|name).*; version 1\.0\.0 stays installed and running/) })
    expect(dump(db)).toBe(before)
    expect(handler.getAll()).toEqual([expect.objectContaining({ id, version: "1.0.0" })])
    expect(await call(id, "/version")).toBe("1")
    // Before the fix 2.0.0 was stored, so every later reload failed on its routes.
    await handler.reloadPlugin(id)
    expect(await call(id, "/version")).toBe("1")
    await handler.settled()
  })

  it("a version that throws at import: refused, 1.0.0 stored and serving", async () => {
    const { db, handler, call, id } = await installed()
    const before = dump(db)
    const result = await handler.savePlugin(pluginInput("items", 'throw new Error("broken at import")', { id, version: "2.0.0" }), true)
    expect(result).toMatchObject({ success: false, message: expect.stringMatching(/refused: .*broken at import.*; version 1\.0\.0 stays installed and running/) })
    expect(dump(db)).toBe(before)
    expect(await call(id, "/version")).toBe("1")
    await handler.reloadPlugin(id)
    expect(await call(id, "/version")).toBe("1")
  })

  it("from a manifest link: answered, not thrown, and nothing stored", async () => {
    const { db, handler, call, id, lines } = await installed()
    const clash = items("2", `"GET /items/:id": { actions: ["item"] }, "GET /items/:name": { actions: ["item"] }`)
    const server = await serveFiles({ "/v2.json": { body: JSON.stringify({ name: "items", version: "2.0.0", author: {}, plugin: clash }) } })
    cleanups.push(() => server.close())
    const before = dump(db)
    const result = await handler.installFromManifestLink(`${server.url}/v2.json`, { update: true })
    expect(result).toMatchObject({ success: false, message: expect.stringMatching(/GET \/items\/:(id|name)/) })
    expect(dump(db)).toBe(before)
    expect(await call(id, "/version")).toBe("1")
    // The failure is one warn line with the URL, the kind and the message.
    const logged = lines.filter((line) => line.msg === "plugin install failed")
    expect(logged).toEqual([expect.objectContaining({ level: 40, url: `${server.url}/v2.json`, update: true, err: result.success ? "" : result.message })])
    expect(logged[0]).toHaveProperty("kind")
  })
})

describe("a stored plugin whose routes clash", () => {
  it("fails to load with the reason and leaves nothing loaded", async () => {
    const { handler, failure } = open(join(tempDir(), "app.db"), { runtime: "worker" })
    const saved = handler.savePlugin(pluginInput("clash", items("1", `"GET /items/:id": { actions: ["item"] }, "GET /items/:name": { actions: ["item"] }`)))
    if (!saved.success) throw new Error(saved.message)
    const error = await failure(handler.loadPlugin(saved.id))
    expect(error.message).toMatch(/GET \/items\/:(id|name)/)
    expect(handler.getLoadedPlugins()).toEqual([])
    expect(handler.getStatus().loaded_plugins).toEqual([])
  })
})

describe("enabled state survives restarts", () => {
  it("deactivate persists: loadAllPlugins() and start() skip the plugin and say so; activate persists too", async () => {
    const file = join(tempDir(), "app.db")
    const first = open(file, { runtime: "inline" })
    const a = first.handler.savePlugin(pluginInput("a", items("a")))
    const b = first.handler.savePlugin(pluginInput("b", 'export default { config: { apiRoutes: { "/b": { actions: ["b"] } }, actions: { b: () => "b" } } }'))
    if (!a.success || !b.success) throw new Error("save failed")
    expect(await first.handler.loadAllPlugins()).toEqual({ successes: [a.id, b.id], errors: [], skipped: [] })
    expect(first.handler.deactivatePlugin(b.id)).toEqual({ success: true, message: expect.stringMatching(/Deactivated plugin 2/) })
    expect(first.handler.getLoadedPlugins()).toEqual([a.id])
    expect(first.handler.getAll().map((plugin) => [plugin.id, plugin.enabled])).toEqual([
      [a.id, true],
      [b.id, false],
    ])
    expect(first.handler.getStatus().installed_plugins.data.find((plugin) => plugin.id === b.id)?.enabled).toBe(false)
    expect(first.handler.getStatus().loaded_plugins[0]).toMatchObject({ id: a.id, enabled: true })
    expect(first.handler.deactivatePlugin(99)).toEqual({ success: false, message: "No plugin with id 99" })
    await first.handler.close()
    first.db.close()

    const second = open(file, { runtime: "inline" })
    expect(await second.handler.start()).toEqual({ successes: [a.id], errors: [], skipped: [{ pluginId: b.id, reason: "disabled" }] })
    expect(second.handler.getLoadedPlugins()).toEqual([a.id])
    expect(second.lines).toContainEqual(expect.objectContaining({ msg: "disabled plugins not loaded", plugins: [{ pluginId: b.id, plugin: "b" }] }))
    await second.handler.activatePlugin(b.id)
    expect(await second.call(b.id, "/b")).toBe("b")
    await second.handler.close()
    second.db.close()

    const third = open(file, { runtime: "inline" })
    expect(await third.handler.loadAllPlugins()).toEqual({ successes: [a.id, b.id], errors: [], skipped: [] })
  })
})

describe("the runtime an admin chose is stored and used", () => {
  const fsCode = 'import { existsSync } from "node:fs"\nexport default { config: { apiRoutes: { "/where": { actions: ["where"] } }, actions: { where: () => typeof existsSync } } }'
  const manifest = (extra: Record<string, unknown> = {}) => JSON.stringify({ name: "needs-fs", version: "1.0.0", author: {}, plugin: fsCode, ...extra })

  it("a manifest cannot choose a trusted runtime: its runtime field is ignored, the sandbox refuses node:fs", async () => {
    const server = await serveFiles({ "/m.json": { body: manifest({ runtime: "inline" }) } })
    cleanups.push(() => server.close())
    const { db, handler } = open(join(tempDir(), "app.db"))
    const before = dump(db)
    const result = await handler.installFromManifestLink(`${server.url}/m.json`)
    expect(result).toMatchObject({ success: false, message: expect.stringMatching(/node:fs.*trusted runtime/) })
    expect(dump(db)).toBe(before)
  })

  it("install option -> stored, shown by getAll/getStatus, used by loads; loadPlugin's runtime wins; pluginRuntimes comes after", async () => {
    const server = await serveFiles({ "/m.json": { body: manifest() } })
    cleanups.push(() => server.close())
    const file = join(tempDir(), "app.db")
    const first = open(file)
    expect(await first.handler.installFromManifestLink(`${server.url}/m.json`, { runtime: "bogus" as RuntimeKind })).toMatchObject({ success: false, kind: "validation", message: expect.stringMatching(/runtime must be one of sandbox, worker, inline/) })
    const installed = await first.handler.installFromManifestLink(`${server.url}/m.json`, { runtime: "worker" })
    if (!installed.success) throw new Error(installed.message)
    expect(first.handler.getAll()).toEqual([expect.objectContaining({ name: "needs-fs", runtime: "worker" })])
    await first.handler.close()
    first.db.close()

    // A restart, with a handler whose own choice for this plugin would be inline: the stored choice wins.
    const second = open(file, { pluginRuntimes: { "needs-fs": "inline" } })
    await second.handler.loadAllPlugins()
    expect(second.handler.getStatus().loaded_plugins).toEqual([expect.objectContaining({ id: installed.id, runtime: "worker" })])
    expect(await second.call(installed.id, "/where")).toBe("function")
    second.handler.unloadPlugin(installed.id)
    expect((await second.handler.loadPlugin(installed.id, { runtime: "inline" })).runtime).toBe("inline")
    await second.handler.settled()

    // Rewriting the stored runtime behind the handler's back breaks the keyed digest.
    second.db.query("UPDATE plugins SET runtime = 'inline' WHERE id = ?").run(installed.id)
    second.handler.unloadPlugin(installed.id)
    const refused = await second.handler.loadPlugins([installed.id])
    expect(refused.errors).toEqual([{ pluginId: installed.id, error: expect.stringMatching(/keyed digest/) }])
  })

  it("an update keeps the stored runtime unless the install option names another", async () => {
    const server = await serveFiles({ "/m.json": { body: manifest() }, "/v2.json": { body: manifest({ version: "2.0.0" }) } })
    cleanups.push(() => server.close())
    const { handler } = open(join(tempDir(), "app.db"))
    const installed = await handler.installFromManifestLink(`${server.url}/m.json`, { runtime: "inline" })
    if (!installed.success) throw new Error(installed.message)
    expect(await handler.installFromManifestLink(`${server.url}/v2.json`, { update: true })).toMatchObject({ success: true })
    expect(handler.getAll()).toEqual([expect.objectContaining({ version: "2.0.0", runtime: "inline" })])
    expect(await handler.installFromManifestLink(`${server.url}/v2.json`, { update: true, runtime: "worker" })).toMatchObject({ success: true })
    expect(handler.getAll()).toEqual([expect.objectContaining({ runtime: "worker" })])
    expect((await handler.loadPlugin(installed.id)).runtime).toBe("worker")
  })
})

describe.each<RuntimeKind>(["sandbox", "inline", "worker"])("every failure is one log line naming the plugin (%s runtime)", (runtime) => {
  const code = `export default {
    config: { apiRoutes: { "/boom": { actions: ["boom"] }, "/ok": { actions: ["ok"] } }, actions: { boom: () => { throw new Error("kaput") }, ok: () => "ok" } },
    events: { onContainerStart: () => { throw new Error("hook kaput") } },
  }`

  it("a failing action: one warn line with route, action, status and message", async () => {
    const { handler, lines, call, failure } = open(join(tempDir(), "app.db"), { runtime })
    const saved = handler.savePlugin(pluginInput("loud", code))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    expect(await call(saved.id, "/ok")).toBe("ok")
    const error = await failure(call(saved.id, "/boom"))
    expect(error.status).toBe(500)
    const logged = lines.filter((line) => line.msg === "plugin action failed")
    expect(logged).toEqual([expect.objectContaining({ level: 40, pluginId: saved.id, plugin: "loud", route: "/boom", action: "boom", status: 500, err: expect.stringMatching(/kaput/) })])
  })

  it("a failing hook: one warn line, counted in the plugin's status", async () => {
    const { handler, lines } = open(join(tempDir(), "app.db"), { runtime })
    const saved = handler.savePlugin(pluginInput("loud", code))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    const report = await handler.emit("onContainerStart", { container: { id: "c1" } })
    expect(report.results).toEqual([expect.objectContaining({ pluginId: saved.id, status: "error" })])
    expect(lines.filter((line) => line.msg === "plugin hook failed")).toEqual([
      expect.objectContaining({ level: 40, pluginId: saved.id, plugin: "loud", hook: "onContainerStart", status: "error", err: expect.stringMatching(/hook kaput/) }),
    ])
    expect(handler.getStatus().loaded_plugins).toEqual([expect.objectContaining({ hookFailures: 1, lastHookError: expect.stringMatching(/hook kaput/) })])
  })
})

describe("hooks called by the Docker source", () => {
  it("a throwing hook under live Docker events is logged, counted in getDockerStatus() and in the plugin's status", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dockstat-engine-"))
    const socket = join(dir, "docker.sock")
    const nano = BigInt(Date.now()) * 1_000_000n
    const event = (offset: bigint) => JSON.stringify({ Type: "container", Action: "start", Actor: { ID: "c0ffee", Attributes: { name: "web", image: "busybox" } }, time: Number((nano + offset) / 1_000_000_000n), timeNano: Number(nano + offset) })
    const streams = new Set<ServerResponse>()
    const server = createServer((request, response) => {
      if (request.url?.startsWith("/info")) return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ SystemTime: new Date().toISOString() }))
      if (request.url?.startsWith("/events")) {
        response.writeHead(200, { "content-type": "application/json" }).write(`${event(0n)}\n${event(1_000n)}\n`)
        streams.add(response)
        return
      }
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "No such container" }))
    })
    await new Promise<void>((resolve) => server.listen(socket, resolve))
    cleanups.push(async () => {
      for (const stream of streams) stream.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    })

    const { handler, lines } = open(join(tempDir(), "app.db"), { runtime: "inline", docker: { host: `unix://${socket}` } })
    const saved = handler.savePlugin(pluginInput("fragile", 'export default { events: { onContainerStart: () => { throw new Error("cannot cope") } } }'))
    if (!saved.success) throw new Error(saved.message)
    await handler.start()
    await expect.poll(() => handler.getDockerStatus()?.failed, { timeout: 10_000 }).toBe(2)
    expect(handler.getDockerStatus()).toMatchObject({ delivered: 0, lastError: expect.stringMatching(/onContainerStart of plugin "fragile" \(id 1\) failed: .*cannot cope/) })
    expect(lines.filter((line) => line.msg === "plugin hook failed")).toEqual([
      expect.objectContaining({ level: 40, pluginId: saved.id, plugin: "fragile", hook: "onContainerStart" }),
      expect.objectContaining({ level: 40, pluginId: saved.id, plugin: "fragile", hook: "onContainerStart" }),
    ])
    expect(handler.getStatus().loaded_plugins).toEqual([expect.objectContaining({ hookFailures: 2 })])
  })
})
