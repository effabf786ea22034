import { Agent, request } from "node:http"

import type { IncomingMessage } from "node:http"

import { engineError } from "./errors.ts"

import type { EngineTarget } from "./docker-host.ts"

export interface EngineRequestOptions {
  method?: string
  /** An unversioned Engine API path with its query (the engine then serves its own newest API version). */
  path: string
  body?: Buffer | string
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Bring your own so that stopping a source can destroy every socket it opened. */
  agent?: Agent
}

/**
 * Sends one request to the Engine API and resolves with the response as soon as its headers arrive, so
 * a caller can stream the body (`/events`) or read it whole (`readJson`). Rejects with an
 * `UPSTREAM_FAILED` error naming the host when the socket fails.
 */
export function engineRequest(target: EngineTarget, options: EngineRequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const address = target.kind === "unix" ? { socketPath: target.socketPath } : { host: target.hostname, port: target.port }
    const headers: Record<string, string> = { Host: "docker", ...options.headers }
    if (options.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(options.body))
    const req = request({
      ...address,
      method: options.method ?? "GET",
      path: options.path,
      headers,
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    req.once("response", resolve)
    req.once("error", (error) => reject(engineError(target.host, `${options.method ?? "GET"} ${options.path} failed: ${error.message}`, error)))
    req.end(options.body)
  })
}

/** Reads a whole response body; a non-2xx status becomes an error quoting the engine's own message. */
export async function readJson<T>(target: EngineTarget, response: IncomingMessage, what: string): Promise<T> {
  const chunks: Buffer[] = []
  for await (const chunk of response) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString("utf8")
  const status = response.statusCode ?? 0
  if (status < 200 || status >= 300) {
    throw engineError(target.host, `${what} answered ${status}: ${engineMessage(text)}`)
  }
  if (text.trim() === "") return undefined as T
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw engineError(target.host, `${what} answered invalid JSON`, error)
  }
}

/** Sends a request and reads its JSON answer. */
export async function engineJson<T>(target: EngineTarget, options: EngineRequestOptions): Promise<T> {
  const response = await engineRequest(target, options)
  return readJson<T>(target, response, `${options.method ?? "GET"} ${options.path}`)
}

function engineMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown }
    if (typeof parsed.message === "string") return parsed.message
  } catch {
    // Not JSON: proxies and very old engines answer plain text; quote it as is.
  }
  return text.trim().slice(0, 200) || "(empty body)"
}
