import { STATUS_CODES } from "node:http"
import { errorMessage, isPluginError } from "@dockstat/plugin-schema"
import { resolveError } from "./errors.ts"
import { networkFailure, timedOut } from "./network-failure.ts"
import { discardBody, readCappedBody } from "./read-capped-body.ts"

/** Limits for one resource: the deadline covers every redirect hop and the whole body. */
export interface FetchLimits {
  timeoutMs: number
  maxBytes: number
  maxRedirects: number
}

/** A successful fetch: the bytes, the URL they finally came from, and what the server said they are. */
export interface FetchedBody {
  bytes: Uint8Array
  url: URL
  contentType: string | undefined
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * GETs `url`, following redirects by hand so each hop is counted and checked (only http(s) targets, at
 * most `maxRedirects`), with one deadline for the whole exchange and a cap on the body size.
 * Throws `fetch` failures for answers it cannot use and `unreachable` ones for no answer at all.
 */
export async function fetchHttp(url: URL, limits: FetchLimits, accept: string): Promise<FetchedBody> {
  const signal = AbortSignal.timeout(limits.timeoutMs)
  let current = url
  for (let redirects = 0; ; redirects++) {
    let response: Response
    try {
      response = await fetch(current, { redirect: "manual", signal, headers: { accept } })
    } catch (error) {
      throw networkFailure(error, current, signal, limits.timeoutMs)
    }
    if (REDIRECTS.has(response.status)) {
      await discardBody(response)
      current = nextHop(response, current, url, redirects, limits.maxRedirects)
      continue
    }
    if (!response.ok) {
      await discardBody(response)
      const text = response.statusText || STATUS_CODES[response.status] || ""
      throw resolveError("fetch", `HTTP ${response.status}${text ? ` ${text}` : ""} fetching ${current.href}`)
    }
    try {
      const bytes = await readCappedBody(response, limits.maxBytes, current)
      return { bytes, url: current, contentType: response.headers.get("content-type") ?? undefined }
    } catch (error) {
      if (isPluginError(error)) throw error
      if (timedOut(signal)) throw networkFailure(error, current, signal, limits.timeoutMs)
      throw resolveError("fetch", `the connection broke while reading ${current.href}: ${errorMessage(error)}`, error)
    }
  }
}

function nextHop(response: Response, current: URL, start: URL, redirects: number, maxRedirects: number): URL {
  const location = response.headers.get("location")
  if (location === null || !URL.canParse(location, current)) {
    throw resolveError("fetch", `HTTP ${response.status} redirect without a valid Location header fetching ${current.href}`)
  }
  if (redirects >= maxRedirects) {
    throw resolveError("fetch", `too many redirects (more than ${maxRedirects}) fetching ${start.href}`)
  }
  const next = new URL(location, current)
  // A redirect must not turn a remote install into a read of the host's own files (file:) or elsewhere.
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw resolveError("fetch", `${current.href} redirected to the unsupported scheme "${next.protocol}"`)
  }
  return next
}
