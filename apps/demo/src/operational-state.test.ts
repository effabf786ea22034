/**
 * What an operator sees across restarts (issue 12): examples installed once, deactivation kept, installs
 * that run at once, a reload endpoint, and one access line per request. Real HTTP, real libSQL files.
 */
import { pino } from "pino"
import { afterEach, describe, expect, it } from "vitest"

import type { Logger } from "pino"

import { startServer } from "./server.ts"
import { notesManifestJson } from "./test-support/notes-plugin.ts"
import { startStaticServer } from "./test-support/static-server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

import type { RunningServer, StartServerOptions } from "./server.ts"

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function temp() {
  const dir = createTempDir()
  cleanups.push(() => dir.remove())
  return dir
}

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  return { lines, logger: pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) }
}

async function start(dbPath: string, options: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ dbPath, port: 0, logLevel: "silent", docker: false, ...options })
  cleanups.push(() => server.close())
  return server
}

const post = (server: RunningServer, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

describe("state survives restarts", () => {
  it("a deleted example stays deleted, and a deactivated plugin stays unloaded until activated", async () => {
    const dbPath = temp().file("state.db")
    const first = await start(dbPath)
    const ids = new Map(first.handler.getAll().map((plugin) => [plugin.name, plugin.id]))
    const removed = await fetch(`${first.url}/api/v2/plugins/${ids.get("example-plugin")}`, { method: "DELETE" })
    expect(removed.status).toBe(200)
    const deactivated = await post(first, `/api/v2/plugins/${ids.get("data-processor")}/deactivate`)
    expect(deactivated.status).toBe(200)
    await first.close()

    const second = await start(dbPath)
    expect(second.handler.getAll().map((plugin) => [plugin.name, plugin.enabled])).toEqual([
      ["data-processor", false],
      ["container-events", true],
    ])
    expect(second.handler.getLoadedPlugins()).toEqual([ids.get("container-events")])
    const status = (await (await fetch(`${second.url}/api/v2/plugins`)).json()) as { installed_plugins: { data: { name: string; enabled: boolean }[] } }
    expect(status.installed_plugins.data.find((plugin) => plugin.name === "data-processor")?.enabled).toBe(false)
    expect((await post(second, `/api/v2/plugins/${ids.get("data-processor")}/activate`)).status).toBe(200)
    await second.close()

    const third = await start(dbPath)
    expect(third.handler.getLoadedPlugins()).toEqual([ids.get("data-processor"), ids.get("container-events")])
  })
})

describe("installs through the API run at once", () => {
  it("activates unless activate: false, says whether it runs, stores the runtime; reload swaps the stored code in", async () => {
    const manifests = await startStaticServer({
      "/a.json": { body: notesManifestJson("notes-a", "notes_a"), contentType: "application/json" },
      "/b.json": { body: notesManifestJson("notes-b", "notes_b"), contentType: "application/json" },
    })
    cleanups.push(() => manifests.close())
    const dbPath = temp().file("install.db")
    const server = await start(dbPath, { installExamples: false })

    const a = await post(server, "/api/v2/plugins/install", { url: manifests.url("/a.json"), runtime: "worker" })
    const installed = (await a.json()) as { success: boolean; id: number; running: boolean }
    expect(a.status).toBe(201)
    expect(installed).toMatchObject({ success: true, running: true })
    // Its routes answer at once: no activate call needed.
    expect((await fetch(`${server.url}/api/v2/plugins/${installed.id}/routes/notes/all`)).status).toBe(200)
    expect(server.handler.getAll().find((plugin) => plugin.id === installed.id)).toMatchObject({ runtime: "worker", enabled: true })
    expect(server.handler.getStatus().loaded_plugins).toEqual([expect.objectContaining({ id: installed.id, runtime: "worker" })])

    const b = await post(server, "/api/v2/plugins/install", { url: manifests.url("/b.json"), activate: false })
    const parked = (await b.json()) as { id: number; running: boolean }
    expect(b.status).toBe(201)
    expect(parked.running).toBe(false)
    expect((await fetch(`${server.url}/api/v2/plugins/${parked.id}/routes/notes/all`)).status).toBe(503)
    expect(server.handler.getAll().find((plugin) => plugin.id === parked.id)?.enabled).toBe(false)

    const reloaded = await post(server, `/api/v2/plugins/${installed.id}/reload`)
    expect(reloaded.status).toBe(200)
    expect(await reloaded.json()).toMatchObject({ success: true, version: "1.0.0", runtime: "worker" })
    expect((await post(server, "/api/v2/plugins/999/reload")).status).toBe(404)
    expect((await post(server, "/api/v2/plugins/install", { url: manifests.url("/a.json"), runtime: "root" })).status).toBe(400)
  })
})

describe("access log", () => {
  it("one info line per request with method, path, status and ms; off with accessLog: false", async () => {
    const dir = temp()
    const logged = capture()
    const server = await start(dir.file("log.db"), { logger: logged.logger, installExamples: false })
    await fetch(`${server.url}/health`)
    await fetch(`${server.url}/api/v2/plugins/7/routes/x`)
    const access = logged.lines.filter((line) => line.msg === "request")
    expect(access).toEqual([
      expect.objectContaining({ level: 30, method: "GET", path: "/health", status: 200, ms: expect.any(Number) }),
      expect.objectContaining({ level: 30, method: "GET", path: "/api/v2/plugins/7/routes/x", status: 404 }),
    ])

    const quiet = capture()
    const silent = await start(dir.file("quiet.db"), { logger: quiet.logger, installExamples: false, accessLog: false })
    await fetch(`${silent.url}/health`)
    expect(quiet.lines.filter((line) => line.msg === "request")).toEqual([])
  })
})
