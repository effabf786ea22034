import { ERROR_STATUS, errorMessage, isPluginError } from "@dockstat/plugin-schema"
import type { ErrorCode } from "@dockstat/plugin-schema"

import { secureHeaders } from "./response-security.ts"

const JSON_TYPE = "application/json"
const DEFAULT_RETRY_AFTER_SECONDS = 1

/**
 * The HTTP answer for anything thrown while serving a route. A PluginError gives its status, its
 * headers (e.g. `Allow` on a 405) and `error.toJSON()` (code, message, plugin, action); anything else is
 * a 500 `{ error: "INTERNAL", message }`. A DATABASE_BUSY (503) always carries `Retry-After`. Never a
 * stack. Never throws.
 *
 * @example
 * try { return toResponse(await handler.handleRoute(id, path, request)) } catch (error) { return errorToResponse(error) }
 */
export function errorToResponse(error: unknown): Response {
  if (!isPluginError(error)) return json({ error: "INTERNAL", message: errorMessage(error) }, 500, undefined)
  const code = String(error.code)
  const status = typeof error.status === "number" ? error.status : (ERROR_STATUS[code as ErrorCode] ?? 500)
  // A PluginError rebuilt from a worker may have lost its prototype, and `data` may hold anything.
  let body: string | undefined
  try {
    body = JSON.stringify(typeof error.toJSON === "function" ? error.toJSON() : { error: code, message: error.message })
  } catch {
    // The extra data cannot be encoded; the code and message always can.
  }
  return json(body ?? { error: code, message: errorMessage(error) }, status, withRetryAfter(code, error.headers))
}

/** A busy database always says when to try again, even when the header was lost on the way. */
function withRetryAfter(code: string, headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (code !== "DATABASE_BUSY") return headers
  if (headers !== undefined && Object.keys(headers).some((name) => name.toLowerCase() === "retry-after")) return headers
  return { ...headers, "Retry-After": String(DEFAULT_RETRY_AFTER_SECONDS) }
}

function json(body: unknown, status: number, extra: Record<string, string> | undefined): Response {
  const headers = new Headers()
  if (extra !== undefined) {
    for (const name of Object.keys(extra)) {
      try {
        headers.set(name, String(extra[name]))
      } catch {
        // An invalid header name or value from an error must not turn the error answer into a crash.
      }
    }
  }
  headers.set("content-type", JSON_TYPE)
  // An error's headers may be a plugin's (a PluginError it threw): no cookie of its own, the route security headers.
  secureHeaders(headers)
  return new Response(typeof body === "string" ? body : JSON.stringify(body), { status: validStatus(status), headers })
}

function validStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500
}
