/**
 * `pnpm start` with Docker: the server connects to the engine, the container-events example records
 * what it sees, and /api/v2/docker reports the source. The engine here is a stand-in on a real unix
 * socket (the source is tested against a real dockerd in @dockstat/plugin-events).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import type { Server, ServerResponse } from "node:http"

import { startServer } from "./server.ts"
import type { RunningServer } from "./server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

const nano = BigInt(Date.now()) * 1_000_000n
const containerEvent = (action: string, offset: bigint) =>
  JSON.stringify({
    Type: "container",
    Action: action,
    Actor: { ID: "feedbeef", Attributes: { name: "cache", image: "redis:7" } },
    time: Number((nano + offset) / 1_000_000_000n),
    timeNano: Number(nano + offset),
  })

describe("demo server with Docker events", () => {
  const temp = createTempDir()
  const engineDir = mkdtempSync(join(tmpdir(), "dockstat-demo-engine-"))
  const streams = new Set<ServerResponse>()
  let engine: Server
  let server: RunningServer

  beforeAll(async () => {
    engine = createServer((request, response) => {
      if (request.url?.startsWith("/info")) return void response.writeHead(200).end(JSON.stringify({ SystemTime: new Date().toISOString() }))
      if (!request.url?.startsWith("/events")) return void response.writeHead(404).end(JSON.stringify({ message: "no such container" }))
      response.writeHead(200, { "content-type": "application/json" })
      response.write(`${containerEvent("create", 0n)}\n${containerEvent("start", 1000n)}\n${containerEvent("die", 2000n)}\n`)
      streams.add(response)
    })
    await new Promise<void>((resolve) => engine.listen(join(engineDir, "docker.sock"), resolve))
    server = await startServer({ dbPath: temp.file("dockstat.db"), port: 0, logLevel: "silent", docker: { host: `unix://${join(engineDir, "docker.sock")}` } })
  })

  afterAll(async () => {
    await server?.close()
    for (const stream of streams) stream.destroy()
    await new Promise<void>((resolve) => engine.close(() => resolve()))
    rmSync(engineDir, { recursive: true, force: true })
    temp.remove()
  })

  it("records container events with the container-events example and serves them", async () => {
    const plugin = server.handler.getAll().find((candidate) => candidate.name === "container-events")
    const url = `${server.url}/api/v2/plugins/${plugin?.id}/routes/events`
    await expect
      .poll(async () => ((await (await fetch(url)).json()) as { hook: string }[]).map((row) => row.hook), { timeout: 10_000 })
      .toEqual(["die", "start", "create"])
    const [latest] = (await (await fetch(`${url}/feedbeef`)).json()) as Record<string, unknown>[]
    expect(latest).toMatchObject({ hook: "die", containerId: "feedbeef", name: "cache", image: "redis:7" })
  })

  it("reports the source at /api/v2/docker", async () => {
    const status = (await (await fetch(`${server.url}/api/v2/docker`)).json()) as Record<string, unknown>
    expect(status).toMatchObject({ connected: true, delivered: 3 })
  })
})
