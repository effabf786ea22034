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

import { loadConfig } from "./config.ts"
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

describe("demo server with two Docker hosts", () => {
  const temp = createTempDir()
  const dir = mkdtempSync(join(tmpdir(), "dockstat-demo-engines-"))
  const engines: Server[] = []
  const open = new Set<ServerResponse>()
  let server: RunningServer

  /** A stand-in engine whose stream reports one container start. */
  async function engine(name: string, containerId: string): Promise<string> {
    const socket = join(dir, `${name}.sock`)
    const started = JSON.stringify({ Type: "container", Action: "start", Actor: { ID: containerId, Attributes: { name, image: "busybox" } }, time: Number(nano / 1_000_000_000n), timeNano: Number(nano) })
    const created = createServer((request, response) => {
      if (request.url?.startsWith("/info")) return void response.writeHead(200).end(JSON.stringify({ SystemTime: new Date().toISOString() }))
      if (!request.url?.startsWith("/events")) return void response.writeHead(404).end(JSON.stringify({ message: "no such container" }))
      response.writeHead(200, { "content-type": "application/json" })
      response.write(`${started}\n`)
      open.add(response)
    })
    await new Promise<void>((resolve) => created.listen(socket, resolve))
    engines.push(created)
    return `unix://${socket}`
  }

  beforeAll(async () => {
    const hosts = loadConfig({ DOCKSTAT_DOCKER_HOSTS: `1=alpha=${await engine("alpha", "aaaa")},2=beta=${await engine("beta", "bbbb")}` }).dockerHosts
    server = await startServer({ dbPath: temp.file("dockstat.db"), port: 0, logLevel: "silent", docker: { hosts: hosts ?? [] } })
  })

  afterAll(async () => {
    await server?.close()
    for (const response of open) response.destroy()
    await Promise.all(engines.map((engine) => new Promise<void>((resolve) => engine.close(() => resolve()))))
    rmSync(dir, { recursive: true, force: true })
    temp.remove()
  })

  it("records each host's events with its id and reports each host at /api/v2/docker", async () => {
    const plugin = server.handler.getAll().find((candidate) => candidate.name === "container-events")
    const url = `${server.url}/api/v2/plugins/${plugin?.id}/routes/events`
    const rows = async () => ((await (await fetch(url)).json()) as { containerId: string; hostId: string }[]).map((row) => `${row.hostId}:${row.containerId}`).sort()
    await expect.poll(rows, { timeout: 10_000 }).toEqual(["1:aaaa", "2:bbbb"])
    const status = (await (await fetch(`${server.url}/api/v2/docker`)).json()) as { connected: boolean; hosts: { hostId: number; hostName: string; connected: boolean; delivered: number }[] }
    expect(status.connected).toBe(true)
    expect(status.hosts.map((host) => [host.hostId, host.hostName, host.connected, host.delivered])).toEqual([
      [1, "alpha", true, 1],
      [2, "beta", true, 1],
    ])
  })
})
