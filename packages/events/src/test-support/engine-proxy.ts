import { mkdtempSync, rmSync } from "node:fs"
import { Agent, createServer, request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

import type { IncomingMessage, ServerResponse } from "node:http"

/** A plain HTTP proxy on its own unix socket in front of an engine's socket, recording each request. */
export interface EngineProxy {
  /** DOCKER_HOST of the proxy. */
  host: string
  /** `METHOD /path?query` of every request so far, in arrival order. */
  requests: string[]
  close(): Promise<void>
}

/**
 * Counts what a client asks an engine: the test points the client at `proxy.host` and reads
 * `proxy.requests`. Streams both ways, so the endless `/events` answer passes through as it comes.
 *
 * @example
 * const proxy = await createEngineProxy(dockerd.host)
 * // ... later
 * expect(proxy.requests.filter((line) => line.includes("/stats"))).toEqual([])
 */
export async function createEngineProxy(engineHost: string): Promise<EngineProxy> {
  const socketPath = engineHost.replace(/^unix:\/\//, "")
  const dir = mkdtempSync(join(tmpdir(), "dsp-"))
  const socket = join(dir, "proxy.sock")
  const requests: string[] = []
  const agent = new Agent({ keepAlive: true })
  const open = new Set<ServerResponse>()
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    requests.push(`${incoming.method} ${incoming.url}`)
    open.add(outgoing)
    outgoing.once("close", () => open.delete(outgoing))
    const upstream = request({ socketPath, agent, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      // The event stream sends its headers before any event: pass them on at once, as the engine does.
      outgoing.flushHeaders()
      answer.pipe(outgoing)
      outgoing.once("close", () => answer.destroy())
    })
    upstream.once("error", () => outgoing.destroy())
    incoming.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  return {
    host: `unix://${socket}`,
    requests,
    async close() {
      for (const response of open) response.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
