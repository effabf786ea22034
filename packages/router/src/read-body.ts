import { PluginError, errorMessage } from "@dockstat/plugin-schema"
import { badRequest, payloadTooLarge } from "./errors.ts"

/**
 * Reads a request body into one buffer, refusing more than `limit` bytes. The declared
 * `Content-Length` is checked before anything is read; the running count catches chunked bodies
 * and clients that declare less than they send.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get("content-length")
  if (declared !== null && Number(declared) > limit) throw payloadTooLarge(limit)
  const body = request.body
  if (body === null) return new Uint8Array(0)
  if (request.bodyUsed || body.locked) throw new PluginError("INTERNAL", "The request body was already read")

  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch (error) {
      throw badRequest(`The request body could not be read: ${errorMessage(error)}`, error)
    }
    if (chunk.done) break
    size += chunk.value.byteLength
    if (size > limit) {
      // Tell the source to stop sending. Not awaited: a source that is slow to cancel must not delay
      // the 413, and a failure to cancel changes nothing about the answer.
      reader.cancel(payloadTooLarge(limit)).catch(ignoreCancelFailure)
      throw payloadTooLarge(limit)
    }
    chunks.push(chunk.value)
  }
  return concat(chunks, size)
}

function ignoreCancelFailure(): void {}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const result = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    result.set(chunk, offset)
    offset += chunk.byteLength
  }
  return result
}
