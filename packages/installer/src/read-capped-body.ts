import { formatBytes } from "./byte-size.ts"
import { resolveError } from "./errors.ts"

/** Lets go of a body we will not read, so undici can reuse or close the socket. */
export async function discardBody(response: Response): Promise<void> {
  // A body that cannot be cancelled is already finished or errored; neither matters to a caller that
  // has decided not to read it, and the failure it is about to report is the useful one.
  await response.body?.cancel().catch(() => undefined)
}

/**
 * Reads a response body, refusing it as soon as it passes `maxBytes`: the declared Content-Length is
 * checked first, then the bytes actually streamed, because the header can be missing or wrong and a
 * compressed body grows when undici decodes it.
 */
export async function readCappedBody(response: Response, maxBytes: number, url: URL): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    resolveError("fetch", `response too large: ${size}, over the ${formatBytes(maxBytes)} limit, fetching ${url.href}`)
  const declared = Number(response.headers.get("content-length") ?? Number.NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discardBody(response)
    throw tooLarge(`Content-Length is ${declared} bytes`)
  }
  if (response.body === null) return new Uint8Array(0)
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(`more than ${maxBytes} bytes streamed`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total)
}
