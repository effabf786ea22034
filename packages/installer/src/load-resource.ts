import { decodeUtf8 } from "./decode-utf8.ts"
import { fetchHttp } from "./fetch-http.ts"
import { describeLocation } from "./location.ts"
import type { Location } from "./location.ts"
import type { NetworkPolicy } from "./network-policy.ts"
import { readLocalFile } from "./read-local-file.ts"

/** Text loaded from a location, with the location it finally came from (after redirects). */
export interface LoadedText {
  text: string
  location: Location
  contentType: string | undefined
}

export interface LoadOptions extends NetworkPolicy {
  timeoutMs: number
  maxBytes: number
  maxRedirects: number
  /** The Accept header for HTTP. */
  accept: string
  /** What is being loaded, for messages: "the manifest", "the plugin code". */
  what: string
  /** Keep a leading byte order mark (see `decodeUtf8`). */
  keepBom: boolean
}

/** Loads a manifest or module as UTF-8 text from the web or the local disk, within the limits. */
export async function loadText(location: Location, options: LoadOptions): Promise<LoadedText> {
  if (location.kind === "file") {
    const bytes = await readLocalFile(location.path, options.maxBytes)
    return { text: decodeUtf8(bytes, `${options.what} at ${location.path}`, options.keepBom), location, contentType: undefined }
  }
  const fetched = await fetchHttp(location.url, options, options.accept)
  const final: Location = { kind: "http", url: fetched.url }
  return {
    text: decodeUtf8(fetched.bytes, `${options.what} at ${describeLocation(final)}`, options.keepBom),
    location: final,
    contentType: fetched.contentType,
  }
}
