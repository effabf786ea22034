import { PluginError, errorMessage, isPluginError, isReply } from "@dockstat/plugin-schema"
import { errorToResponse } from "./error-to-response.ts"
import { ROUTE_SECURITY_HEADERS, secureHeaders, secureResponse } from "./response-security.ts"

const JSON_TYPE = "application/json"
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": JSON_TYPE, ...ROUTE_SECURITY_HEADERS })
// Statuses whose response must not have a body (the Response constructor refuses one).
const NULL_BODY_STATUS: ReadonlySet<number> = new Set([101, 103, 204, 205, 304])

/**
 * The HTTP answer for a route's final result. A `Response` passes through; `reply(body, { status,
 * headers })` sets status and headers (a string or Uint8Array body is sent as is when a content-type
 * is set, anything else as JSON); `undefined` is 204; any other value is 200 JSON. A value JSON cannot
 * encode (BigInt, a cycle) answers 500 with a PluginError-shaped body. Every answer carries the route
 * security headers and no cookie of the plugin's (see response-security.ts). Never throws.
 *
 * @example
 * toResponse({ ok: true })                                  // 200 {"ok":true}
 * toResponse(reply("<p>hi</p>", { headers: { "content-type": "text/html" } }))
 * toResponse(undefined)                                     // 204
 */
export function toResponse(result: unknown): Response {
  if (result instanceof Response) return secureResponse(result)
  if (result === undefined) return new Response(null, { status: 204, headers: ROUTE_SECURITY_HEADERS })
  try {
    // The common answer: a plain header object (no Headers instance to build per request).
    if (!isReply(result)) return new Response(jsonText(result), { status: 200, headers: JSON_HEADERS })
    const headers = secureHeaders(new Headers(result.headers))
    const status = result.status
    if (NULL_BODY_STATUS.has(status) || result.body === undefined) return new Response(null, { status, headers })
    const raw = result.body
    if ((typeof raw === "string" || raw instanceof Uint8Array) && headers.has("content-type")) {
      return new Response(raw as string | Uint8Array<ArrayBuffer>, { status, headers })
    }
    return jsonResponse(raw, status, headers)
  } catch (error) {
    // A bad reply (status out of range, invalid header) is the plugin's bug, reported like any other.
    return errorToResponse(isPluginError(error) ? error : new PluginError("INTERNAL", `Invalid route result: ${errorMessage(error)}`, { cause: error }))
  }
}

function jsonText(value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value) as string | undefined
  } catch (error) {
    throw new PluginError("INTERNAL", `The route result cannot be encoded as JSON: ${errorMessage(error)}`, { cause: error })
  }
  // JSON.stringify answers undefined, not a string, for a function or a symbol.
  if (text === undefined) throw new PluginError("INTERNAL", `The route result cannot be encoded as JSON: a ${typeof value}`)
  return text
}

function jsonResponse(value: unknown, status: number, headers: Headers): Response {
  const text = jsonText(value)
  if (!headers.has("content-type")) headers.set("content-type", JSON_TYPE)
  return new Response(text, { status, headers })
}
