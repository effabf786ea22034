import { PluginError } from "@dockstat/plugin-schema"
import type { HttpMethod, PluginRef } from "@dockstat/plugin-schema"

/**
 * The plugin has no route at this path. The body lists the routes it does have, so a caller can
 * correct the path without another request.
 *
 * @example
 * throw routeNotFound(plugin, "/statuz", table.paths) // 404 { error: "ROUTE_NOT_FOUND", routes: ["/status"] }
 */
export function routeNotFound(plugin: PluginRef, path: string, routes: readonly string[]): PluginError {
  return new PluginError("ROUTE_NOT_FOUND", `Plugin "${plugin.name}" has no route "${path}"`, {
    pluginId: plugin.id,
    plugin: plugin.name,
    data: { routes: [...routes] },
  })
}

/**
 * The path exists but not for this method. Carries the `Allow` header a 405 must send.
 *
 * @example
 * throw methodNotAllowed(plugin, "DELETE", "/save", ["GET", "POST"]) // 405, Allow: GET, POST
 */
export function methodNotAllowed(
  plugin: PluginRef,
  method: string,
  path: string,
  allow: readonly HttpMethod[],
): PluginError {
  const allowed = allow.join(", ")
  return new PluginError(
    "METHOD_NOT_ALLOWED",
    `Route "${path}" of plugin "${plugin.name}" does not accept ${method} (allowed: ${allowed})`,
    { pluginId: plugin.id, plugin: plugin.name, headers: { Allow: allowed }, data: { allow: [...allow] } },
  )
}

export function badRequest(message: string, cause?: unknown): PluginError {
  return new PluginError("BAD_REQUEST", message, cause === undefined ? {} : { cause })
}

export function payloadTooLarge(limit: number): PluginError {
  return new PluginError("PAYLOAD_TOO_LARGE", `Request body exceeds the limit of ${limit} bytes`, {
    data: { limit },
  })
}

export function invalidRoute(key: string, reason: string): PluginError {
  return new PluginError("INVALID_PLUGIN", `Route "${key}": ${reason}`)
}
