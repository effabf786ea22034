import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

import type { ServerResponse } from "node:http"

export interface EngineStandIn {
  /** `unix:///…/docker.sock`, for `docker: { host }`. */
  host: string
  /** Sends one container event (`start`, `stop`, ...) to every open `GET /events` stream. */
  emit(action: string, name: string): void
  close(): Promise<void>
}

/**
 * A Docker Engine stand-in on a real unix socket: `/info`, and a `GET /events` stream that sends the
 * container events a test emits (inspects answer 404, so details come from the event). The real engine is
 * tested in @dockstat/plugin-events; this one makes a test's events arrive when the test wants them.
 */
export async function startEngineStandIn(): Promise<EngineStandIn> {
  const dir = mkdtempSync(join(tmpdir(), "dockstat-engine-"))
  const socket = join(dir, "docker.sock")
  const streams = new Set<ServerResponse>()
  let tick = 0n
  const server = createServer((request, response) => {
    if (request.url?.startsWith("/info")) return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ SystemTime: new Date().toISOString() }))
    if (request.url?.startsWith("/events")) {
      response.writeHead(200, { "content-type": "application/json" })
      response.write("")
      streams.add(response)
      response.on("close", () => streams.delete(response))
      return
    }
    response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "No such container" }))
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  return {
    host: `unix://${socket}`,
    emit(action, name) {
      tick += 1n
      const nano = BigInt(Date.now()) * 1_000_000n + tick * 1000n
      const line = JSON.stringify({ Type: "container", Action: action, Actor: { ID: `c0ffee${tick}`, Attributes: { name, image: "busybox:latest" } }, scope: "local", time: Number(nano / 1_000_000_000n), timeNano: Number(nano) })
      for (const stream of streams) stream.write(`${line}\n`)
    },
    async close() {
      for (const stream of streams) stream.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
