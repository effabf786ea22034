import { errorMessage } from "@dockstat/plugin-schema"
import { badRequest } from "./errors.ts"
import type { ContentType } from "./content-type.ts"

/** A file field of a multipart form, as actions see it: its metadata, not its bytes. */
export interface FormFile {
  name: string
  type: string
  size: number
}

/**
 * Turns a read body into the value actions get: JSON -> parsed value (empty -> undefined), text ->
 * string, forms -> plain object (repeated keys -> arrays, files -> `FormFile`), anything else -> bytes.
 */
export async function parseBody(bytes: Uint8Array<ArrayBuffer>, type: ContentType, rawType: string | null): Promise<unknown> {
  switch (type.kind) {
    case "json": {
      const text = decode(bytes, type.charset)
      if (text.trim() === "") return undefined
      try {
        return JSON.parse(text) as unknown
      } catch (error) {
        throw badRequest(`Malformed JSON body: ${errorMessage(error)}`, error)
      }
    }
    case "text":
      // No Content-Type and nothing sent: there is no body at all.
      return bytes.byteLength === 0 && rawType === null ? undefined : decode(bytes, type.charset)
    case "urlencoded":
      return collect(new URLSearchParams(decode(bytes, type.charset)))
    case "multipart":
      return collect(await multipart(bytes, rawType ?? "multipart/form-data"))
    case "binary":
      return bytes
  }
}

// Fatal: a body that is not what it claims to be is refused, never stored with U+FFFD in place of the
// bad bytes. A decode call without `stream` keeps no state, so one decoder serves every request.
const UTF8 = new TextDecoder("utf-8", { fatal: true })

function decode(bytes: Uint8Array, charset: string | undefined): string {
  let decoder = UTF8
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    try {
      decoder = new TextDecoder(charset, { fatal: true })
    } catch (error) {
      throw badRequest(`Unsupported charset "${charset}"`, error)
    }
  }
  try {
    return decoder.decode(bytes)
  } catch (error) {
    const name = decoder.encoding === "utf-8" ? "UTF-8" : decoder.encoding
    throw badRequest(`The request body is not valid ${name}: it holds an invalid byte sequence`, error)
  }
}

async function multipart(bytes: Uint8Array<ArrayBuffer>, contentType: string): Promise<FormData> {
  try {
    // The body is already read (under the size cap); the platform's parser reads it again from memory.
    return await new Response(bytes, { headers: { "content-type": contentType } }).formData()
  } catch (error) {
    throw badRequest(`Malformed multipart body: ${errorMessage(error)}`, error)
  }
}

/** Entries to a plain object. No prototype: a field named `__proto__` is just a field. */
function collect(entries: URLSearchParams | FormData): Record<string, unknown> {
  const result = Object.create(null) as Record<string, unknown>
  for (const [key, entry] of entries) {
    const value = typeof entry === "string" ? entry : ({ name: entry.name, type: entry.type, size: entry.size } satisfies FormFile)
    const existing = result[key]
    if (existing === undefined) result[key] = value
    else if (Array.isArray(existing)) existing.push(value)
    else result[key] = [existing, value]
  }
  return result
}
