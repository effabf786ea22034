import { resolveError } from "./errors.ts"

/**
 * Decodes bytes that must be UTF-8, refusing any invalid sequence instead of replacing it with U+FFFD
 * (a silently altered manifest or module is worse than none).
 *
 * `keepBom` keeps a leading byte order mark in the text. Code keeps it, so the digest of the text equals
 * the digest of the bytes the author published; a manifest drops it, as JSON.parse would choke on it.
 */
export function decodeUtf8(bytes: Uint8Array, where: string, keepBom: boolean): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: keepBom }).decode(bytes)
  } catch (error) {
    throw resolveError("parse", `${where} is not UTF-8 text (it holds an invalid byte sequence)`, error)
  }
}
