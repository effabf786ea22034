import { serve } from "@hono/node-server"

import type { Server } from "node:http"
import type { AddressInfo } from "node:net"

type FetchHandler = (request: Request) => Response | Promise<Response>

export interface Listening {
  server: Server
  /** The bound port: the one asked for, or the one the OS chose for port 0. */
  port: number
  /** Closes the listener; idle keep-alive connections are closed at once, busy ones after `graceMs`. */
  close(graceMs?: number): Promise<void>
}

/** Default for `requestTimeoutMs`: 30 s to send the headers and the whole body. */
export const REQUEST_TIMEOUT_MS = 30_000

export interface ListenOptions {
  /**
   * A client that has not sent its headers, or its whole body, within this many ms gets a 408 and its
   * connection is closed: a client dripping a byte at a time cannot hold a connection for long. The
   * time to answer is not counted. Default `REQUEST_TIMEOUT_MS`.
   */
  requestTimeoutMs?: number
}

/** `serve()` reports a bind failure (EADDRINUSE, EACCES) as an event; this turns it into a rejection. */
export function listen(fetch: FetchHandler, port: number, hostname: string, options: ListenOptions = {}): Promise<Listening> {
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`requestTimeoutMs must be a positive integer, got ${String(timeoutMs)}`)
  const serverOptions = {
    headersTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    // Node checks the deadlines on this interval (default 30 s, which would let a 30 s timeout run to 60).
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4))),
  }
  return new Promise((resolve, reject) => {
    let server: Server
    const onError = (error: Error) => reject(error)
    const onListening = (info: AddressInfo) => {
      server.off("error", onError)
      resolve({ server, port: info.port, close: (graceMs) => closeServer(server, graceMs) })
    }
    // A plain `createServer` is used by default, so the ServerType union is an http.Server here.
    server = serve({ fetch, port, hostname, serverOptions }, onListening) as Server
    server.once("error", onError)
  })
}

function closeServer(server: Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    // fetch() clients keep connections alive: without closing them, close() waits for their timeout.
    const force = setTimeout(() => server.closeAllConnections(), graceMs)
    force.unref()
    // A connection whose answer ends during the grace period (a live log stream told to end) is closed
    // as soon as it is idle, not at the end of the grace period.
    const idle = setInterval(() => server.closeIdleConnections(), 50)
    idle.unref()
    server.close((error) => {
      clearTimeout(force)
      clearInterval(idle)
      if (error && (error as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING") reject(error)
      else resolve()
    })
    server.closeIdleConnections()
  })
}
