import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** A real HTTP server on 127.0.0.1 (random port) that bridges node:http to a fetch handler. Tests only. */
export interface TestServer {
  url: string
  close(): Promise<void>
}

export async function serveFetch(handler: (request: Request) => Response | Promise<Response>): Promise<TestServer> {
  const server = createServer((incoming, outgoing) => {
    bridge(incoming, outgoing, handler).catch((error: unknown) => {
      outgoing.destroy(error instanceof Error ? error : new Error(String(error)))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

async function bridge(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<void> {
  const headers = new Headers()
  for (let index = 0; index < incoming.rawHeaders.length; index += 2) {
    headers.append(incoming.rawHeaders[index] as string, incoming.rawHeaders[index + 1] as string)
  }
  const method = incoming.method ?? "GET"
  const init: RequestInit & { duplex?: "half" } = { method, headers }
  if (method !== "GET" && method !== "HEAD") {
    init.body = bodyStream(incoming)
    init.duplex = "half"
  }
  const response = await handler(new Request(`http://127.0.0.1${incoming.url ?? "/"}`, init))
  outgoing.writeHead(response.status, [...response.headers].flat())
  if (response.body !== null) {
    const reader = response.body.getReader()
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) outgoing.write(chunk.value)
  }
  outgoing.end()
}

/**
 * The request body as a web stream with backpressure. Cancelling it drains the rest instead of
 * destroying the socket, so the server can still answer (a 413 must reach the client).
 */
function bodyStream(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  let detach = (): void => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const onData = (chunk: Buffer): void => {
        controller.enqueue(new Uint8Array(chunk))
        if ((controller.desiredSize ?? 0) <= 0) incoming.pause()
      }
      const onEnd = (): void => controller.close()
      const onError = (error: Error): void => controller.error(error)
      incoming.on("data", onData).once("end", onEnd).once("error", onError)
      detach = () => {
        incoming.off("data", onData).off("end", onEnd).off("error", onError)
      }
    },
    pull() {
      incoming.resume()
    },
    cancel() {
      detach()
      incoming.resume()
    },
  })
}
