import { dirname, isAbsolute, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { resolveError } from "./errors.ts"

/** Where a manifest or its code lives: an http(s) URL or an absolute local file path. */
export type Location = { kind: "http"; url: URL } | { kind: "file"; path: string }

// "C:\plugins\m.yaml" parses as a URL with the scheme "c:"; it is a Windows path.
const DRIVE_PATH = /^[A-Za-z]:[\\/]/
const LOOKS_LIKE_URL = /^[A-Za-z][A-Za-z0-9+.-]+:\/\//

function fromUrl(url: URL, what: string): Location {
  if (url.protocol === "http:" || url.protocol === "https:") {
    // fetch refuses them anyway, and they would end up stored in the plugin's manifest field.
    if (url.username !== "" || url.password !== "") {
      throw resolveError("validation", `${what} must not contain credentials (user:password@): ${url.host}`)
    }
    return { kind: "http", url }
  }
  if (url.protocol === "file:") {
    if (url.host !== "" && url.host !== "localhost") {
      throw resolveError("validation", `${what} is a file: URL on another host (${url.host}); only local files are supported`)
    }
    try {
      return { kind: "file", path: fileURLToPath(url) }
    } catch (error) {
      // e.g. an encoded "/" in the path: Node refuses to guess what file that means.
      throw resolveError("validation", `${what} is not a usable file: URL`, error)
    }
  }
  throw resolveError(
    "validation",
    `${what} uses the unsupported scheme "${url.protocol}": give an http(s) URL or a local file path`,
  )
}

/**
 * `source` with the password (and user) of a URL replaced by `***`, for messages and logs: an install
 * source with credentials is refused, and the refusal must not spread the secret to the log and live log.
 */
export function redactCredentials(source: string): string {
  if (typeof source !== "string") return source
  // Text that is not a URL may still carry `user:password@` after its scheme.
  if (!URL.canParse(source)) return source.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/, "$1***@")
  const url = new URL(source)
  if (url.username === "" && url.password === "") return source
  url.username = "***"
  url.password = ""
  return url.href
}

function isUrl(text: string): boolean {
  return !DRIVE_PATH.test(text) && URL.canParse(text)
}

/**
 * Reads what the user passed to install: an http(s) URL, a `file:` URL or a file path (relative paths are
 * taken from the working directory). Any other scheme is refused, naming it.
 */
export function parseSource(source: string): Location {
  // The facade passes user input through; a non-string is bad input, not a crash.
  if (typeof source !== "string") throw resolveError("validation", `The manifest source must be a string, got ${typeof source}`)
  const text = source.trim()
  if (text === "") throw resolveError("validation", "The manifest source is empty: give an http(s) URL or a file path")
  if (isUrl(text)) return fromUrl(new URL(text), `The manifest source ${JSON.stringify(redactCredentials(text))}`)
  // "http://[::1" is a mistyped URL, not a file name; "no such file" would send the user looking elsewhere.
  if (LOOKS_LIKE_URL.test(text)) throw resolveError("validation", `The manifest source ${JSON.stringify(redactCredentials(text))} is not a valid URL`)
  return { kind: "file", path: resolve(text) }
}

/**
 * Resolves a reference found in a manifest (its `pluginUrl`) against the manifest's own location.
 * A remote manifest may only point at http(s) URLs: it must never make the host read its local files.
 */
export function resolveReference(reference: string, base: Location, what: string): Location {
  if (base.kind === "http") {
    if (!URL.canParse(reference, base.url)) {
      throw resolveError("validation", `${what} ${JSON.stringify(redactCredentials(reference))} is not a valid URL`)
    }
    const target = fromUrl(new URL(reference, base.url), `${what} ${JSON.stringify(redactCredentials(reference))}`)
    if (target.kind !== "http") {
      throw resolveError("validation", `${what} ${JSON.stringify(reference)} points at a local file, which a manifest fetched over HTTP may not do`)
    }
    return target
  }
  if (isUrl(reference)) return fromUrl(new URL(reference), `${what} ${JSON.stringify(reference)}`)
  return { kind: "file", path: isAbsolute(reference) ? reference : resolve(dirname(base.path), reference) }
}

/** The location as text: the URL, or the absolute path. */
export function describeLocation(location: Location): string {
  return location.kind === "http" ? location.url.href : location.path
}
