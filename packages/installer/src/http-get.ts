import { request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import { pipeline } from "node:stream"
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib"
import type { IncomingMessage } from "node:http"
import type { LookupFunction } from "node:net"
import type { Readable, Transform } from "node:stream"
import { resolveError } from "./errors.ts"

export interface HttpGetOptions {
  accept: string
  signal: AbortSignal
  /** How the host name becomes an address: the installer passes only addresses it has checked. */
  lookup: LookupFunction
}

/**
 * One GET over node:http(s) (not `fetch`, which cannot be told which address to connect to), on a
 * connection of its own: a pooled socket may lead to an address checked under another policy.
 * Resolves with the response head; redirects are the caller's.
 */
export function httpGet(url: URL, options: HttpGetOptions): Promise<IncomingMessage> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const request = send(url, {
      headers: { accept: options.accept, "accept-encoding": "gzip, deflate, br" },
      signal: options.signal,
      lookup: options.lookup,
      agent: false,
    }, resolve)
    request.once("error", reject)
    request.end()
  })
}

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
}

/** The body with its Content-Encoding undone, so a size cap counts what the caller really gets. */
export function decodedBody(response: IncomingMessage, url: URL): Readable {
  const encoding = (response.headers["content-encoding"] ?? "identity").trim().toLowerCase()
  if (encoding === "identity" || encoding === "") return response
  const decoder = DECODERS[encoding]
  if (decoder === undefined) {
    response.destroy()
    throw resolveError("fetch", `unsupported Content-Encoding "${encoding}" fetching ${url.href}`)
  }
  // pipeline destroys both ends when either fails, so a broken connection ends the decoded stream too.
  return pipeline(response, decoder(), () => undefined)
}
