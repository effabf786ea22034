import { createFetchHandler } from "@dockstat/plugin-handler"

import type PluginHandler from "@dockstat/plugin-handler"

import type { TryAnswer } from "./pages/plugin-page.ts"

/** Most of an answer shown on the page. */
const MAX_ANSWER_BYTES = 64 * 1024
const BASE = "/api/v2/plugins"

export type TryRoute = (id: number, path: string) => Promise<TryAnswer | { error: string }>

/**
 * Tries a plugin's GET route from the page: the request goes through the same fetch handler that serves
 * `/api/v2/plugins/:id/routes/*`, so the answer (status, body, errors) is what a client gets. The path
 * must stay inside the plugin's routes (`..` cannot lead elsewhere) and only the first 64 KiB are read.
 */
export function createTryRoute(handler: PluginHandler): TryRoute {
  const serve = createFetchHandler(handler, { basePath: BASE })
  return async (id, path) => {
    if (typeof path !== "string" || !path.startsWith("/") || path.length > 2000) return { error: "The path must start with / (at most 2000 characters)" }
    const prefix = `${BASE}/${id}/routes`
    const url = new URL(`http://admin.invalid${prefix}${path}`)
    // The URL parser resolves "..", "%2e%2e" and backslashes: what it made must still be this plugin's.
    if (url.origin !== "http://admin.invalid" || (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`))) return { error: `The path ${JSON.stringify(path)} leads outside the plugin's routes` }
    const response = await serve(new Request(url, { method: "GET", headers: { accept: "application/json, text/plain;q=0.9, */*;q=0.5" } }))
    const { text, truncated } = await readCapped(response)
    const contentType = response.headers.get("content-type") ?? ""
    return { path: url.pathname.slice(prefix.length) + url.search, status: response.status, contentType, body: pretty(text, contentType, truncated), truncated }
  }
}

async function readCapped(response: Response): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: "", truncated: false }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size > MAX_ANSWER_BYTES) {
      truncated = true
      await reader.cancel()
      break
    }
  }
  const bytes = Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES)
  return { text: new TextDecoder("utf-8", { fatal: false }).decode(bytes), truncated }
}

function pretty(text: string, contentType: string, truncated: boolean): string {
  if (truncated || !/[/+]json\b/i.test(contentType)) return text
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
