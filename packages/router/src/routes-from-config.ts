import { HTTP_METHODS, ROUTE_KEY } from "@dockstat/plugin-schema"
import type { HttpMethod, RouteConfig, RouteDescriptor } from "@dockstat/plugin-schema"
import { invalidRoute } from "./errors.ts"
import { normalizePath, parseRoutePath } from "./route-path.ts"

const KNOWN_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS)

/**
 * Turns a plugin's `config.apiRoutes` into route descriptors: plain data that can cross a worker
 * boundary and that `compileRoutes` builds a table from. Keys are `/path`, `/items/:id` or
 * `METHOD /path`; `method` is one method or several (GET when left out); methods are case-insensitive.
 *
 * @throws PluginError `INVALID_PLUGIN` naming the key, for a malformed key, an unknown method, a
 *   method in the key that `method` contradicts, or a route without actions.
 *
 * @example
 * routesFromConfig({ "/items/:id": { method: ["get", "DELETE"], actions: ["load"] }, "POST /items": { actions: ["save"] } })
 * // [{ key: "/items/:id", path: "/items/:id", methods: ["GET", "DELETE"], actions: ["load"] },
 * //  { key: "POST /items", path: "/items", methods: ["POST"], actions: ["save"] }]
 */
export function routesFromConfig(apiRoutes: Record<string, RouteConfig> | undefined): RouteDescriptor[] {
  if (apiRoutes === undefined || apiRoutes === null) return []
  const routes: RouteDescriptor[] = []
  for (const key of Object.keys(apiRoutes)) {
    const config = apiRoutes[key] as unknown
    const match = ROUTE_KEY.exec(key)
    if (!match) {
      throw invalidRoute(key, 'the key must be a path starting with "/", optionally after a method ("POST /items")')
    }
    const path = match[2] ?? ""
    parseRoutePath(key, path)
    if (typeof config !== "object" || config === null) throw invalidRoute(key, "the route must be an object with actions")
    const { method, actions } = config as { method?: unknown; actions?: unknown }
    routes.push({ key, path: normalizePath(path), methods: resolveMethods(key, match[1], method), actions: checkActions(key, actions) })
  }
  return routes
}

function resolveMethods(key: string, fromKey: string | undefined, fromConfig: unknown): HttpMethod[] {
  const configured = fromConfig === undefined ? undefined : toMethods(key, fromConfig)
  if (fromKey === undefined) return configured ?? ["GET"]
  const keyMethod = toMethod(key, fromKey)
  if (configured !== undefined && (configured.length !== 1 || configured[0] !== keyMethod)) {
    throw invalidRoute(key, `the key says ${keyMethod} but method says ${configured.join(", ")}; give the method in one place`)
  }
  return [keyMethod]
}

function toMethods(key: string, value: unknown): HttpMethod[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value]
  if (list.length === 0) throw invalidRoute(key, "method must name at least one HTTP method")
  const methods: HttpMethod[] = []
  for (const item of list) {
    const method = toMethod(key, item)
    if (!methods.includes(method)) methods.push(method)
  }
  return methods
}

function toMethod(key: string, value: unknown): HttpMethod {
  const method = typeof value === "string" ? value.toUpperCase() : undefined
  if (method === undefined || !KNOWN_METHODS.has(method)) {
    throw invalidRoute(key, `${JSON.stringify(value)} is not an HTTP method (one of ${HTTP_METHODS.join(", ")})`)
  }
  return method as HttpMethod
}

function checkActions(key: string, actions: unknown): string[] {
  if (!Array.isArray(actions) || actions.length === 0) throw invalidRoute(key, "actions must be a non-empty list of action names")
  for (const action of actions as unknown[]) {
    if (typeof action !== "string" || action === "") throw invalidRoute(key, "every action must be a non-empty action name")
  }
  return [...(actions as string[])]
}
