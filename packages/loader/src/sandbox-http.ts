import { lookup as systemLookup } from "node:dns"
import { request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import { pipeline } from "node:stream"
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib"
import { classifyAddress, pinnedLookup } from "@dockstat/plugin-installer"

import type { LookupAddress } from "node:dns"
import type { IncomingMessage } from "node:http"
import type { LookupFunction } from "node:net"
import type { Readable } from "node:stream"

/** Every address a host name stands for, as `dns.lookup(name, { all: true })` answers. */
export type ResolveAll = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void

const resolveWithSystem: ResolveAll = (hostname, callback) => systemLookup(hostname, { all: true }, callback)

/**
 * Why a plugin may not reach `address`, which `hostname` (a name it declared) resolved to, or null. A
 * declared name must lead to a public or a local-network address: loopback (unless the name is
 * `localhost`), link-local and cloud metadata, and reserved addresses are refused, so a name whose DNS
 * points there (a rebinding resolver) cannot reach the host's own services or its cloud credentials. An
 * address the plugin declares as such is not looked up, and is reached as declared.
 */
export function addressRefusal(hostname: string, address: string): string | null {
  const { scope, range } = classifyAddress(address)
  if (scope === "public") return null
  if (scope === "private") {
    const thisHost = range.startsWith("loopback") || range.startsWith("this host")
    if (!thisHost || hostname === "localhost" || hostname.endsWith(".localhost")) return null
  }
  return `${hostname} resolves to ${address}, in ${range}: a sandboxed plugin reaches such an address only by declaring the address itself`
}

/** Marks the refusal among connection errors. */
export class AddressRefused extends Error {
  readonly code = "EADDRREFUSED"
}

/**
 * A `lookup` for node:net that resolves the name, refuses it when any of its addresses is refused (a
 * rebinding resolver may hand out a good address with a bad one) and connects only to what it checked:
 * there is no second lookup between the check and the connection.
 */
export function guardedLookup(resolve: ResolveAll = resolveWithSystem): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error)
      for (const { address } of addresses) {
        const refusal = addressRefusal(hostname, address)
        if (refusal !== null) return callback(new AddressRefused(refusal))
      }
      // The installer's pinned lookup answers from the checked addresses, in the form node:net asks for.
      pinnedLookup(addresses)(hostname, options as never, callback as never)
    })
  }) as LookupFunction
}

/**
 * Request headers that belong to the connection, not to the plugin: the host, framing and encoding are
 * the host's (no `accept-encoding` either: bodies come back as sent, not compressed, where servers allow).
 */
const HOST_OWNED_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade", "expect", "te", "trailer", "proxy-connection", "proxy-authorization", "accept-encoding"])

export interface SandboxRequest {
  method: string
  headers: Record<string, string>
  body: Uint8Array | undefined
  signal: AbortSignal
  lookup: LookupFunction
}

/** One HTTP(S) request, no redirect followed, connected only through `lookup`. */
export function sendRequest(url: URL, request: SandboxRequest): Promise<IncomingMessage> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) if (!HOST_OWNED_HEADERS.has(name.toLowerCase())) headers[name] = String(value)
  // The body's framing is the host's: Node sends a DELETE's or OPTIONS's body with neither length nor
  // chunking, and the server would read the rest as a second request (one the plugin wrote, Host included).
  if (request.body !== undefined) headers["content-length"] = String(request.body.byteLength)
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest
    // agent: false, a connection of its own: no socket shared with the host's other requests or other
    // plugins, and no reuse of one the server is closing (a keep-alive race that failed requests under load).
    const outgoing = send(url, { method: request.method, headers, lookup: request.lookup, signal: request.signal, agent: false }, resolve)
    outgoing.on("error", reject)
    outgoing.end(request.body === undefined ? undefined : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength))
  })
}

/** The response's headers as a fetch Response shows them: lower-case names, repeated values joined. */
export function responseHeaders(response: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value
  return out
}

/** The body, decoded as fetch would (gzip, deflate, br), up to `maxBytes` decoded bytes; or why not. */
export async function readBody(response: IncomingMessage, maxBytes: number): Promise<Uint8Array | string> {
  const encoding = String(response.headers["content-encoding"] ?? "").trim().toLowerCase()
  const decoder = encoding === "gzip" || encoding === "x-gzip" ? createGunzip() : encoding === "deflate" ? createInflate() : encoding === "br" ? createBrotliDecompress() : undefined
  // pipeline, not pipe: a response that breaks off (or is aborted) must end the decoder with its error,
  // or the read below waits forever holding what it decoded.
  const stream: Readable = decoder === undefined ? response : pipeline(response, decoder, () => {})
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.byteLength
      if (size > maxBytes) return `the response is larger than ${maxBytes} bytes`
      chunks.push(chunk)
    }
  } finally {
    response.destroy()
    decoder?.destroy()
  }
  const body = Buffer.concat(chunks)
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
}
