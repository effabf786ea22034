/**
 * The handler's Docker wiring end to end over a real unix socket: an engine stand-in streams two events,
 * the handler starts the source with `start()`, plugin hooks see the container, `close()` disconnects.
 * (The source itself is tested against a real dockerd in @dockstat/plugin-events.)
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import type { ServerResponse } from "node:http"

import PluginHandler, { DB } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const nano = BigInt(Date.now()) * 1_000_000n
const event = (action: string, offset: bigint) =>
  JSON.stringify({
    Type: "container",
    Action: action,
    Actor: { ID: "c0ffee", Attributes: { name: "web", image: "busybox:latest", "com.example.role": "demo" } },
    scope: "local",
    time: Number((nano + offset) / 1_000_000_000n),
    timeNano: Number(nano + offset),
  })

async function engine(): Promise<{ host: string; requests: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "dockstat-engine-"))
  const socket = join(dir, "docker.sock")
  const requests: string[] = []
  const streams = new Set<ServerResponse>()
  const server = createServer((request, response) => {
    requests.push(request.url ?? "")
    if (request.url?.startsWith("/info")) return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ SystemTime: new Date().toISOString() }))
    if (request.url?.startsWith("/events")) {
      response.writeHead(200, { "content-type": "application/json" })
      response.write(`${event("start", 0n)}\n${event("stop", 1_000n)}\n`)
      streams.add(response)
      return
    }
    response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "No such container: c0ffee" }))
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  cleanups.push(async () => {
    for (const stream of streams) stream.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    rmSync(dir, { recursive: true, force: true })
  })
  return { host: `unix://${socket}`, requests }
}

const recorder = `export default {
  config: { table: { name: "container_log", columns: { id: column.id(), hook: column.text(), container: column.text(), name: column.text(), image: column.text() } } },
  events: {
    onContainerStart: ({ container, table }) => { table.insert({ hook: "start", container: container.id, name: container.name, image: container.image }) },
    onContainerStop: ({ container, table }) => { table.insert({ hook: "stop", container: container.id, name: container.name, image: container.image }) },
  },
}`

describe.each<RuntimeKind>(["inline", "worker"])("Docker events through the handler (%s)", (runtime) => {
  it("start() connects, hooks get each container event once, close() disconnects", async () => {
    const { host } = await engine()
    const db = new DB(join(tempDir(), "app.db"))
    const handler = new PluginHandler(db, [], { logLevel: "silent", runtime, docker: { host } })
    cleanups.push(() => handler.close())
    handler.savePlugin(pluginInput("recorder", recorder))
    expect(handler.getDockerStatus()).toBeNull()
    await handler.start()
    const rows = () => db.query("SELECT hook, container, name, image FROM container_log ORDER BY id").all()
    await expect.poll(rows, { timeout: 10_000 }).toEqual([
      { hook: "start", container: "c0ffee", name: "web", image: "busybox:latest" },
      { hook: "stop", container: "c0ffee", name: "web", image: "busybox:latest" },
    ])
    expect(handler.getDockerStatus()).toMatchObject({ connected: true, delivered: 2, host })
    await handler.close()
    expect(handler.getDockerStatus()).toBeNull()
  })

  it("an unreachable engine neither fails start() nor the plugins", async () => {
    const dir = tempDir()
    const handler = new PluginHandler(new DB(join(dir, "app.db")), [], { logLevel: "silent", runtime, docker: { host: `unix://${join(dir, "missing.sock")}` } })
    cleanups.push(() => handler.close())
    handler.savePlugin(pluginInput("recorder", recorder))
    expect(await handler.start()).toEqual({ successes: [1], errors: [], skipped: [] })
    await expect.poll(() => handler.getDockerStatus()?.lastError ?? null).not.toBeNull()
    expect(handler.getDockerStatus()).toMatchObject({ connected: false, delivered: 0 })
  })
})
