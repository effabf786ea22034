import { z } from "zod"

/**
 * A plugin's UI as data (upstream DockStat's `PluginFrontendConfig`): pages with templates, the plugin
 * routes that load their data and the actions a page can trigger. The host stores it with the plugin
 * and returns it from its API; rendering it is the dashboard's business. Plain JSON only, so it can be
 * stored and sent as is.
 */
export interface PluginFrontendConfig {
  routes?: PluginFrontendRoute[]
  sharedFragments?: unknown[]
  globalState?: { initial: Record<string, unknown>; computed?: Record<string, string> }
  globalActions?: FrontendAction[]
  globalLoaders?: FrontendLoader[]
  [key: string]: unknown
}

export interface PluginFrontendRoute {
  /** The page's path, e.g. `/dashboard`. */
  path: string
  /** The page's template (a JSON or YAML string, or the parsed object). */
  template: unknown
  meta?: { title?: string; icon?: string; showInNav?: boolean; navOrder?: number; [key: string]: unknown }
  loaders?: FrontendLoader[]
  actions?: FrontendAction[]
  [key: string]: unknown
}

/** Data a page loads from one of the plugin's API routes. */
export interface FrontendLoader {
  id: string
  apiRoute: string
  method?: "GET" | "POST"
  body?: unknown
  stateKey?: string
  dataKey?: string
  cache?: { ttl?: number; key?: string }
  runOnNavigate?: boolean
  polling?: { interval: number; enabled?: boolean | string }
  [key: string]: unknown
}

/** Something a page can do: set state, navigate, call an API route, reload loaders, or a custom handler. */
export interface FrontendAction {
  id: string
  type: "setState" | "navigate" | "api" | "reload" | "custom"
  [key: string]: unknown
}

/** The most JSON text a plugin's frontend may take (it is stored with the plugin and sent with its metadata). */
export const MAX_FRONTEND_BYTES = 256 * 1024

/** Where `value` stops being JSON data (a function, a Date, a cycle, ...), as a path; null when it is JSON. */
export function nonJsonPath(value: unknown, path: string[] = [], seen = new Set<object>()): string | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null
  if (typeof value === "number") return Number.isFinite(value) ? null : `${path.join(".") || "(root)"} (${value})`
  if (typeof value !== "object") return `${path.join(".") || "(root)"} (a ${typeof value})`
  if (seen.has(value)) return `${path.join(".")} (a cycle)`
  const proto = Object.getPrototypeOf(value)
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return `${path.join(".") || "(root)"} (a ${value.constructor?.name ?? "non-plain"} object)`
  seen.add(value)
  for (const [key, item] of Object.entries(value)) {
    const found = nonJsonPath(item, [...path, key], seen)
    if (found !== null) return found
  }
  seen.delete(value)
  return null
}

const loaderSchema = z.looseObject({
  id: z.string().min(1),
  apiRoute: z.string().min(1),
  method: z.enum(["GET", "POST"]).optional(),
})

const actionSchema = z.looseObject({
  id: z.string().min(1),
  type: z.enum(["setState", "navigate", "api", "reload", "custom"]),
})

const routeSchema = z.looseObject({
  path: z.string().startsWith("/", "a frontend route's path must start with /"),
  template: z.unknown(),
  meta: z.record(z.string(), z.unknown()).optional(),
  loaders: z.array(loaderSchema).optional(),
  actions: z.array(actionSchema).optional(),
})

/** `config.frontend` of a plugin module: upstream's shape, JSON data only, at most MAX_FRONTEND_BYTES. */
export const frontendConfigSchema = z
  .looseObject({
    routes: z.array(routeSchema).optional(),
    sharedFragments: z.array(z.unknown()).optional(),
    globalState: z.looseObject({ initial: z.record(z.string(), z.unknown()), computed: z.record(z.string(), z.string()).optional() }).optional(),
    globalActions: z.array(actionSchema).optional(),
    globalLoaders: z.array(loaderSchema).optional(),
  })
  .superRefine((frontend, ctx) => {
    const bad = nonJsonPath(frontend)
    if (bad !== null) {
      ctx.addIssue({ code: "custom", message: `must be plain JSON data, but ${bad} is not` })
      return
    }
    const bytes = new TextEncoder().encode(JSON.stringify(frontend)).length
    if (bytes > MAX_FRONTEND_BYTES) ctx.addIssue({ code: "custom", message: `is ${bytes} bytes of JSON, more than the ${MAX_FRONTEND_BYTES} allowed` })
  })
