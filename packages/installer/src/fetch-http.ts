import { STATUS_CODES } from "node:http"
import { errorMessage, isPluginError } from "@dockstat/plugin-schema"
import type { IncomingMessage } from "node:http"
import { resolveError } from "./errors.ts"
import { httpGet } from "./http-get.ts"
import { checkedAddresses, pinnedLookup } from "./network-policy.ts"
import type { NetworkPolicy } from "./network-policy.ts"
import { networkFailure, timedOut } from "./network-failure.ts"
import { discardBody, readCappedBody } from "./read-capped-body.ts"

/** Limits for one resource: the deadline covers every redirect hop and the whole body. */
export interface FetchLimits extends NetworkPolicy {
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
 * most `maxRedirects`, every address against the network policy), with one deadline for the whole
 * exchange and a cap on the body size. Throws `fetch` failures for answers it cannot use, `unreachable`
 * ones for no answer at all and `forbidden-address` ones for hosts the policy refuses.
 */
export async function fetchHttp(url: URL, limits: FetchLimits, accept: string): Promise<FetchedBody> {
  const signal = AbortSignal.timeout(limits.timeoutMs)
  let current = url
  for (let redirects = 0; ; redirects++) {
    let response: IncomingMessage
    try {
      // Checked at every hop: a public URL may redirect to the metadata service.
      const addresses = await checkedAddresses(current, limits, signal)
      response = await httpGet(current, { accept, signal, lookup: pinnedLookup(addresses) })
    } catch (error) {
      if (isPluginError(error)) throw error
      throw networkFailure(error, current, signal, limits.timeoutMs)
    }
    const status = response.statusCode ?? 0
    if (REDIRECTS.has(status)) {
      discardBody(response)
      current = nextHop(response, current, url, redirects, limits.maxRedirects)
      continue
    }
    if (status < 200 || status > 299) {
      discardBody(response)
      const text = response.statusMessage || STATUS_CODES[status] || ""
      throw resolveError("fetch", `HTTP ${status}${text ? ` ${text}` : ""} fetching ${current.href}`)
    }
    try {
      const bytes = await readCappedBody(response, limits.maxBytes, current)
      return { bytes, url: current, contentType: response.headers["content-type"] }
    } catch (error) {
      if (isPluginError(error)) throw error
      if (timedOut(signal)) throw networkFailure(error, current, signal, limits.timeoutMs)
      throw resolveError("fetch", `the connection broke while reading ${current.href}: ${errorMessage(error)}`, error)
    }
  }
}

function nextHop(response: IncomingMessage, current: URL, start: URL, redirects: number, maxRedirects: number): URL {
  const location = response.headers.location
  if (location === undefined || !URL.canParse(location, current)) {
    throw resolveError("fetch", `HTTP ${response.statusCode} redirect without a valid Location header fetching ${current.href}`)
  }
  if (redirects >= maxRedirects) {
    throw resolveError("fetch", `too many redirects (more than ${maxRedirects}) fetching ${start.href}`)
  }
  const next = new URL(location, current)
  // A redirect must not turn a remote install into a read of the host's own files (file:) or elsewhere.
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw resolveError("fetch", `${current.href} redirected to the unsupported scheme "${next.protocol}"`)
  }
  // As the URL an install starts from: no user:password@ (it would be sent as Basic credentials).
  if (next.username !== "" || next.password !== "") {
    throw resolveError("fetch", `${current.href} redirected to a URL with credentials (user:password@ ${next.host}), which is not followed`)
  }
  return next
}
