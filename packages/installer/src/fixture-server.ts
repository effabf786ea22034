// Test support, not exported: a real HTTP server on 127.0.0.1 serving fixtures, so the installer's own
// fetch, redirects, timeouts and size caps run exactly as they do against a real host.
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** A canned answer: status 200, its Content-Length, and no content type unless given. */
export interface Fixture {
  status?: number
  headers?: Record<string, string>
  body?: string | Uint8Array
}

export type FixtureHandler = (request: IncomingMessage, response: ServerResponse) => void

export interface FixtureServer {
  /** The absolute URL of a path on this server. */
  url(path: string): string
  /** Serves `path` (query ignored) with a fixture or a handler; later calls replace earlier ones. */
  serve(path: string, fixture: Fixture | FixtureHandler): void
  /** Paths requested so far, in order (with their query). */
  readonly requests: string[]
  close(): Promise<void>
}

function send(response: ServerResponse, fixture: Fixture): void {
  const body = fixture.body ?? ""
  // Declared like a typical static server does; streaming without a length gets its own handler.
  const length = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength)
  response.writeHead(fixture.status ?? 200, { "content-length": length, ...fixture.headers })
  response.end(body)
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const routes = new Map<string, Fixture | FixtureHandler>()
  const requests: string[] = []
  const server: Server = createServer((request, response) => {
    const target = request.url ?? "/"
    requests.push(target)
    const route = routes.get(new URL(target, "http://fixture").pathname)
    if (route === undefined) send(response, { status: 404, body: "no fixture here" })
    else if (typeof route === "function") route(request, response)
    else send(response, route)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    serve: (path, fixture) => void routes.set(path, fixture),
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Handlers that never answer keep their sockets open; without this vitest would never exit.
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
