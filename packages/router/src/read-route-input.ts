import { HTTP_METHODS, PluginError } from "@dockstat/plugin-schema"
import type { HttpMethod, RouteInput } from "@dockstat/plugin-schema"
import { parseContentType } from "./content-type.ts"
import { parseBody } from "./parse-body.ts"
import { readBody } from "./read-body.ts"

/** The body size cap when none is given: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** The matched path and params of the request, and its body cap. */
export interface ReadRouteInputOptions {
  /** The plugin path the route matched (no query string). */
  path: string
  params: Record<string, string>
  /** Larger bodies answer 413. Default `DEFAULT_MAX_BODY_BYTES` (1 MiB). */
  maxBodyBytes?: number
}

const KNOWN_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS)

/**
 * Reduces a `Request` to the plain data an action chain needs (it can cross a worker boundary):
 * upper-case method, query (repeated keys -> arrays), lower-case headers, and the body parsed by its
 * content type. GET and HEAD have no body.
 *
 * @throws PluginError `METHOD_NOT_ALLOWED` for a method the host does not know, `BAD_REQUEST` for a
 *   malformed JSON or multipart body or text that is not valid in its charset (UTF-8 by default),
 *   `PAYLOAD_TOO_LARGE` (413) above `maxBodyBytes`.
 *
 * @example
 * const input = await readRouteInput(request, { path: "/items/7", params: { id: "7" } })
 * input.body // { name: "x" } for a JSON POST
 */
export async function readRouteInput(request: Request, options: ReadRouteInputOptions): Promise<RouteInput> {
  return readRouteInputNow(request, options)
}

/**
 * `readRouteInput` without the forced Promise: a request without a body (GET, HEAD) is read
 * synchronously; one with a body answers a Promise. Throws or rejects with the same errors.
 */
export function readRouteInputNow(request: Request, options: ReadRouteInputOptions): RouteInput | Promise<RouteInput> {
  const method = request.method.toUpperCase()
  if (!KNOWN_METHODS.has(method)) {
    throw new PluginError("METHOD_NOT_ALLOWED", `Method ${method} is not supported (use one of ${HTTP_METHODS.join(", ")})`, {
      headers: { Allow: HTTP_METHODS.join(", ") },
    })
  }
  if (method === "GET" || method === "HEAD") return routeInput(request, method, options, undefined)
  return readWithBody(request, method as HttpMethod, options)
}

async function readWithBody(request: Request, method: HttpMethod, options: ReadRouteInputOptions): Promise<RouteInput> {
  const rawType = request.headers.get("content-type")
  const bytes = await readBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
  return routeInput(request, method, options, await parseBody(bytes, parseContentType(rawType), rawType))
}

function routeInput(request: Request, method: string, options: ReadRouteInputOptions, body: unknown): RouteInput {
  return {
    method: method as HttpMethod,
    path: options.path,
    params: options.params,
    query: parseQuery(request.url),
    // Built here, not behind a getter: an object literal with an accessor is created in dictionary mode
    // (~1.1 us each on Node 20, measured), more than these headers cost, and it slowed every route after it.
    headers: headersObject(request.headers),
    body,
  }
}

function parseQuery(url: string): Record<string, string | string[]> {
  const query = Object.create(null) as Record<string, string | string[]>
  const start = url.indexOf("?")
  if (start === -1) return query // the common case: no URLSearchParams at all
  const hash = url.indexOf("#", start)
  for (const [key, value] of new URLSearchParams(url.slice(start + 1, hash === -1 ? undefined : hash))) {
    const existing = query[key]
    if (existing === undefined) query[key] = value
    else if (Array.isArray(existing)) existing.push(value)
    else query[key] = [existing, value]
  }
  return query
}

function headersObject(headers: Headers): Record<string, string> {
  // Headers iterates lower-case names and already joins repeated values with ", ".
  const result = Object.create(null) as Record<string, string>
  for (const [name, value] of headers) result[name] = value
  return result
}
