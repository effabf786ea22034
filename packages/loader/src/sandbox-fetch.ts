import { errorMessage } from "@dockstat/plugin-schema"

import { Buffer } from "node:buffer"

import { decodeValue, encodeValue } from "./sandbox-codec.ts"
import { AddressRefused, guardedLookup, readBody, responseHeaders, sendRequest } from "./sandbox-http.ts"
import type { ResolveAll } from "./sandbox-http.ts"

export interface SandboxFetchOptions {
  plugin: string
  /** `permissions.network`: hostnames (any port) or `host:port`. */
  network: readonly string[]
  maxBytes: number
  maxRedirects?: number
  /** How names are resolved (default the system's `dns.lookup`); every address is checked (`addressRefusal`). */
  resolve?: ResolveAll
}

/**
 * `(request as JSON text, signal) -> answer`: its status, headers and URL as JSON text, and the body's
 * bytes beside it (copied into the engine as an ArrayBuffer: decoding base64 in the interpreter took
 * longer than a slice for a few MiB). Never rejects: a failure is `{ error }` text and no body.
 */
export type SandboxFetch = (request: string, signal: AbortSignal) => Promise<SandboxFetchAnswer>

export interface SandboxFetchAnswer {
  text: string
  body?: Uint8Array
}

const failed = (error: string): SandboxFetchAnswer => ({ text: encodeValue({ error }) })

interface GuestRequest {
  url: string
  method: string
  headers: Record<string, string>
  body?: string
  redirect: string
}

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" }

/** Credentials a redirect to another origin does not carry on (as fetch and undici do). */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"])
/** Headers that describe the body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(["content-type", "content-length", "content-encoding", "content-language", "content-location"])

/** Deletes the headers named in `names` (case-insensitively) from `headers`. */
function dropHeaders(headers: Record<string, string>, names: ReadonlySet<string>): void {
  for (const name of Object.keys(headers)) if (names.has(name.toLowerCase())) delete headers[name]
}

/** Whether `url` is a host the plugin declared: `hostname` allows it on any port, `hostname:port` on that port. */
export function networkAllows(network: readonly string[], url: URL): boolean {
  const hostname = url.hostname.toLowerCase()
  const port = url.port || DEFAULT_PORT[url.protocol] || ""
  return network.some((entry) => {
    const allowed = entry.toLowerCase()
    return allowed === hostname || allowed === `${hostname}:${port}`
  })
}

/**
 * `fetch` for a sandboxed plugin: only to the hosts its `permissions.network` declares, every redirect
 * checked again, every address a declared name resolves to checked too (no loopback, link-local, cloud
 * metadata or reserved address through a name: see `addressRefusal`), the body read up to a cap. A
 * refused host fails before any request leaves the host.
 */
export function createSandboxFetch(options: SandboxFetchOptions): SandboxFetch {
  const maxRedirects = options.maxRedirects ?? 5
  const lookup = guardedLookup(options.resolve)
  const refuse = (url: URL) =>
    `fetch to "${url.host}" is not allowed: plugin "${options.plugin}" ` +
    (options.network.length === 0 ? "declares no network access" : `may reach only ${options.network.join(", ")}`) +
    ` (permissions.network)`

  return async (text, signal) => {
    try {
      const request = decodeValue(text) as GuestRequest
      let url = new URL(String(request.url))
      let method = String(request.method || "GET").toUpperCase()
      // Base64 on the host through Buffer (native): the codec's JavaScript version took 1.4 s of the
      // host's thread for an 8 MiB body.
      let body: Uint8Array | undefined = typeof request.body === "string" ? new Uint8Array(Buffer.from(request.body, "base64")) : undefined
      const headers = { ...(request.headers ?? {}) }
      if (body !== undefined && (method === "GET" || method === "HEAD")) return failed(`fetch to "${request.url}": a ${method} request cannot have a body`)
      for (let hop = 0; ; hop++) {
        if (url.protocol !== "http:" && url.protocol !== "https:") return failed(`fetch to "${url.href}" is not allowed: only http and https`)
        if (!networkAllows(options.network, url)) return failed(refuse(url))
        const response = await sendRequest(url, { method, headers, body, signal, lookup })
        const status = response.statusCode ?? 0
        const location = response.headers.location
        if (request.redirect !== "manual" && status >= 300 && status < 400 && location !== undefined) {
          response.destroy()
          if (request.redirect === "error") return failed(`fetch to "${url.href}" was redirected (redirect: "error")`)
          if (hop >= maxRedirects) return failed(`fetch to "${request.url}" was redirected more than ${maxRedirects} times`)
          const next = new URL(location, url)
          if (next.origin !== url.origin) dropHeaders(headers, CREDENTIAL_HEADERS)
          url = next
          if ((status === 303 && method !== "GET" && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST")) {
            method = "GET"
            body = undefined
            dropHeaders(headers, BODY_HEADERS)
          }
          continue
        }
        const bytes = await readBody(response, options.maxBytes)
        if (typeof bytes === "string") return failed(`fetch to "${url.host}": ${bytes}`)
        const text = encodeValue({ status, statusText: response.statusMessage ?? "", headers: responseHeaders(response), url: url.href, redirected: hop > 0 })
        return { text, body: bytes }
      }
    } catch (error) {
      if (error instanceof AddressRefused) return failed(`fetch refused: ${error.message} (permissions.network)`)
      return failed(`fetch failed: ${errorMessage(error)}`)
    }
  }
}
