import { errorMessage } from "@dockstat/plugin-schema"

import { Buffer } from "node:buffer"

import { decodeValue, encodeValue } from "./sandbox-codec.ts"

export interface SandboxFetchOptions {
  plugin: string
  /** `permissions.network`: hostnames (any port) or `host:port`. */
  network: readonly string[]
  maxBytes: number
  maxRedirects?: number
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

/** Whether `url` is a host the plugin declared: `hostname` allows it on any port, `hostname:port` on that port. */
export function networkAllows(network: readonly string[], url: URL): boolean {
  const hostname = url.hostname.toLowerCase()
  const port = url.port || DEFAULT_PORT[url.protocol] || ""
  const bare = hostname.startsWith("[") ? hostname : hostname
  return network.some((entry) => {
    const allowed = entry.toLowerCase()
    return allowed === bare || allowed === `${bare}:${port}`
  })
}

/**
 * `fetch` for a sandboxed plugin: only to the hosts its `permissions.network` declares, every redirect
 * checked again, the body read up to a cap. A refused host fails before any request leaves the host.
 */
export function createSandboxFetch(options: SandboxFetchOptions): SandboxFetch {
  const maxRedirects = options.maxRedirects ?? 5
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
      for (let hop = 0; ; hop++) {
        if (url.protocol !== "http:" && url.protocol !== "https:") return failed(`fetch to "${url.href}" is not allowed: only http and https`)
        if (!networkAllows(options.network, url)) return failed(refuse(url))
        const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: body as Uint8Array<ArrayBuffer> }), redirect: "manual", signal })
        const location = response.headers.get("location")
        if (request.redirect !== "manual" && response.status >= 300 && response.status < 400 && location !== null) {
          await response.body?.cancel()
          if (request.redirect === "error") return failed(`fetch to "${url.href}" was redirected (redirect: "error")`)
          if (hop >= maxRedirects) return failed(`fetch to "${request.url}" was redirected more than ${maxRedirects} times`)
          url = new URL(location, url)
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
            method = "GET"
            body = undefined
          }
          continue
        }
        const bytes = await readCapped(response, options.maxBytes)
        if (typeof bytes === "string") return failed(`fetch to "${url.host}": ${bytes}`)
        const text = encodeValue({ status: response.status, statusText: response.statusText, headers: Object.fromEntries(response.headers), url: url.href, redirected: hop > 0 })
        return { text, body: bytes }
      }
    } catch (error) {
      return failed(`fetch failed: ${errorMessage(error)}`)
    }
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | string> {
  if (!response.body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      return `the response is larger than ${maxBytes} bytes`
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}
