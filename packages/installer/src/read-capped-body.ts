import type { IncomingMessage } from "node:http"
import { formatBytes } from "./byte-size.ts"
import { resolveError } from "./errors.ts"
import { decodedBody } from "./http-get.ts"

/** Lets go of a body we will not read: the connection is the request's own, so it is closed. */
export function discardBody(response: IncomingMessage): void {
  response.destroy()
}

/**
 * Reads a response body, refusing it as soon as it passes `maxBytes`: the declared Content-Length is
 * checked first, then the bytes actually streamed, because the header can be missing or wrong and a
 * compressed body grows when it is decoded.
 */
export async function readCappedBody(response: IncomingMessage, maxBytes: number, url: URL): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    resolveError("fetch", `response too large: ${size}, over the ${formatBytes(maxBytes)} limit, fetching ${url.href}`)
  const declared = Number(response.headers["content-length"] ?? Number.NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    discardBody(response)
    throw tooLarge(`Content-Length is ${declared} bytes`)
  }
  const chunks: Uint8Array[] = []
  let total = 0
  const body = decodedBody(response, url)
  for await (const chunk of body) {
    const bytes: Uint8Array = chunk
    total += bytes.byteLength
    if (total > maxBytes) {
      // Leaving the loop destroys the decoded stream; the socket goes with it.
      discardBody(response)
      throw tooLarge(`more than ${maxBytes} bytes streamed`)
    }
    chunks.push(bytes)
  }
  return Buffer.concat(chunks, total)
}
