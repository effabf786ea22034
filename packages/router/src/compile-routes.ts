import { HTTP_METHODS } from "@dockstat/plugin-schema"
import type { HttpMethod, RouteDescriptor } from "@dockstat/plugin-schema"
import { badRequest, invalidRoute } from "./errors.ts"
import { normalizePath, parseRoutePath } from "./route-path.ts"
import type { PatternSegment } from "./route-path.ts"

/** The outcome of `RouteTable.match`: a route with its params, no such path, or the wrong method. */
export type RouteMatch =
  | { kind: "found"; route: RouteDescriptor; params: Record<string, string> }
  | { kind: "not-found" }
  | { kind: "method-not-allowed"; allow: HttpMethod[] }

/** A plugin's routes, compiled once at load. Immutable: a reload builds a new table and swaps it in. */
export interface RouteTable {
  /** The descriptors the table was built from (frozen copies). */
  readonly routes: readonly RouteDescriptor[]
  /** The distinct route paths, in declaration order: what a 404 lists. */
  readonly paths: readonly string[]
  /**
   * Finds the route for a method and a request path (no query string; a trailing slash is ignored).
   * @throws PluginError `BAD_REQUEST` when a captured segment has malformed percent-encoding.
   */
  match(method: string, path: string): RouteMatch
}

/** Every route that shares one exact path pattern, by method. */
interface Candidate {
  /** Literal per segment, or undefined where a param captures. */
  readonly literals: readonly (string | undefined)[]
  /** Param name per segment, or undefined for a literal. */
  readonly names: readonly (string | undefined)[]
  readonly byMethod: Map<string, RouteDescriptor>
}

const NOT_FOUND: RouteMatch = Object.freeze({ kind: "not-found" })
const METHOD_ORDER: ReadonlyMap<string, number> = new Map(HTTP_METHODS.map((method, index) => [method, index]))

/**
 * Builds the immutable route table of one plugin. Static paths go into a Map (one lookup per request);
 * param routes are grouped by segment count and ordered so a literal segment beats a param at the same
 * position (`/items/new` before `/items/:id`). Nothing is compiled per request.
 *
 * @throws PluginError `INVALID_PLUGIN` for a malformed path or two routes that claim the same path and method.
 *
 * @example
 * const table = compileRoutes(routesFromConfig(plugin.config?.apiRoutes))
 * table.match("GET", "/items/42/") // { kind: "found", route, params: { id: "42" } }
 */
export function compileRoutes(routes: readonly RouteDescriptor[]): RouteTable {
  const statics = new Map<string, Candidate>()
  const dynamic = new Map<number, Candidate[]>()
  const byPattern = new Map<string, Candidate>()
  const frozen: RouteDescriptor[] = []
  const paths = new Set<string>()

  for (const input of routes) {
    const { route, segments } = freezeRoute(input)
    frozen.push(route)
    paths.add(route.path)

    let candidate = byPattern.get(route.path)
    if (candidate === undefined) {
      candidate = createCandidate(segments)
      byPattern.set(route.path, candidate)
      if (segments.every((segment) => !segment.param)) statics.set(route.path, candidate)
      else {
        const count = segments.length + 1 // the split of "/a/b" has a leading ""
        const list = dynamic.get(count) ?? []
        list.push(candidate)
        dynamic.set(count, list)
      }
    }
    for (const method of route.methods) {
      const taken = candidate.byMethod.get(method)
      if (taken !== undefined) {
        throw invalidRoute(route.key, `${method} ${route.path} is already declared by route "${taken.key}"`)
      }
      candidate.byMethod.set(method, route)
    }
  }
  rejectShadowedParams(byPattern)
  for (const list of dynamic.values()) list.sort(bySpecificity)

  const table: RouteTable = {
    routes: Object.freeze(frozen),
    paths: Object.freeze([...paths]),
    match(method, path) {
      return match(statics, dynamic, method, path)
    },
  }
  return Object.freeze(table)
}

function match(
  statics: ReadonlyMap<string, Candidate>,
  dynamic: ReadonlyMap<number, readonly Candidate[]>,
  rawMethod: string,
  rawPath: string,
): RouteMatch {
  const method = rawMethod.toUpperCase()
  const path = normalizePath(rawPath)
  // Candidates whose path matched but whose methods did not; only kept for the 405's Allow.
  let wrongMethod: Candidate[] | undefined

  const exact = statics.get(path)
  if (exact !== undefined) {
    const route = pick(exact, method)
    if (route !== undefined) return { kind: "found", route, params: {} }
    wrongMethod = [exact]
  }

  if (dynamic.size > 0) {
    const parts = path.split("/")
    const list = dynamic.get(parts.length)
    if (list !== undefined) {
      for (const candidate of list) {
        if (!segmentsMatch(candidate, parts)) continue
        const route = pick(candidate, method)
        if (route !== undefined) return { kind: "found", route, params: capture(candidate, parts) }
        ;(wrongMethod ??= []).push(candidate)
      }
    }
  }

  return wrongMethod === undefined ? NOT_FOUND : { kind: "method-not-allowed", allow: allowOf(wrongMethod) }
}

function pick(candidate: Candidate, method: string): RouteDescriptor | undefined {
  const route = candidate.byMethod.get(method)
  // HEAD is GET without the body; the server drops the body, so a GET route answers it.
  if (route === undefined && method === "HEAD") return candidate.byMethod.get("GET")
  return route
}

function segmentsMatch(candidate: Candidate, parts: readonly string[]): boolean {
  const literals = candidate.literals
  for (let index = 1; index < parts.length; index++) {
    const literal = literals[index]
    const part = parts[index] as string
    if (literal === undefined ? part === "" : literal !== part) return false
  }
  return true
}

function capture(candidate: Candidate, parts: readonly string[]): Record<string, string> {
  // A plain object stays fast (a null-prototype one goes to dictionary mode); safe because param
  // names are checked identifiers and "__proto__" is refused.
  const params: Record<string, string> = {}
  const names = candidate.names
  for (let index = 1; index < parts.length; index++) {
    const name = names[index]
    if (name !== undefined) params[name] = decodeSegment(parts[index] as string)
  }
  return params
}

function decodeSegment(segment: string): string {
  if (!segment.includes("%")) return segment
  try {
    return decodeURIComponent(segment)
  } catch (error) {
    throw badRequest(`Malformed percent-encoding in path segment "${segment}"`, error)
  }
}

function allowOf(candidates: readonly Candidate[]): HttpMethod[] {
  const allow = new Set<HttpMethod>()
  for (const candidate of candidates) for (const method of candidate.byMethod.keys()) allow.add(method as HttpMethod)
  return [...allow].sort((a, b) => (METHOD_ORDER.get(a) ?? 0) - (METHOD_ORDER.get(b) ?? 0))
}

function createCandidate(segments: readonly PatternSegment[]): Candidate {
  // Index 0 stands for the empty string before the leading "/", so indexes line up with path.split("/").
  const literals: (string | undefined)[] = [""]
  const names: (string | undefined)[] = [undefined]
  for (const segment of segments) {
    literals.push(segment.param ? undefined : segment.value)
    names.push(segment.param ? segment.name : undefined)
  }
  return { literals, names, byMethod: new Map() }
}

/** Earlier literal wins: `/items/:id` before `/:kind/new`, `/items/new/:x` before `/items/:id/:x`. */
function bySpecificity(a: Candidate, b: Candidate): number {
  for (let index = 1; index < a.literals.length; index++) {
    const aParam = a.literals[index] === undefined
    const bParam = b.literals[index] === undefined
    if (aParam !== bParam) return aParam ? 1 : -1
  }
  return 0
}

/**
 * `/items/:id` and `/items/:name` are the same path to a request: for a shared method the second could
 * never run, so that is a plugin error. With different methods both are kept.
 */
function rejectShadowedParams(byPattern: ReadonlyMap<string, Candidate>): void {
  if (byPattern.size < 2) return
  const byShape = new Map<string, Candidate[]>()
  for (const candidate of byPattern.values()) {
    const shape = candidate.literals.map((literal) => (literal === undefined ? ":" : literal)).join("/")
    const same = byShape.get(shape)
    for (const other of same ?? []) {
      for (const [method, route] of candidate.byMethod) {
        const taken = other.byMethod.get(method)
        if (taken !== undefined) {
          throw invalidRoute(route.key, `${method} ${route.path} is the same path as route "${taken.key}" (${taken.path})`)
        }
      }
    }
    if (same === undefined) byShape.set(shape, [candidate])
    else same.push(candidate)
  }
}

/** Checks a descriptor (it may come from a worker or a manifest) and takes a frozen copy of it. */
function freezeRoute(route: RouteDescriptor): { route: RouteDescriptor; segments: PatternSegment[] } {
  if (typeof route !== "object" || route === null || typeof route.key !== "string" || typeof route.path !== "string") {
    throw invalidRoute(String((route as { key?: unknown } | null)?.key), "a route needs a string key and path")
  }
  const segments = parseRoutePath(route.key, route.path)
  const methods = Array.isArray(route.methods) ? route.methods.map((method) => String(method).toUpperCase()) : []
  if (methods.length === 0 || methods.some((method) => !METHOD_ORDER.has(method))) {
    throw invalidRoute(route.key, `methods must be HTTP methods (one of ${HTTP_METHODS.join(", ")})`)
  }
  if (!Array.isArray(route.actions) || route.actions.length === 0 || route.actions.some((a) => typeof a !== "string")) {
    throw invalidRoute(route.key, "actions must be a non-empty list of action names")
  }
  const frozen: RouteDescriptor = Object.freeze({
    key: route.key,
    path: normalizePath(route.path),
    methods: Object.freeze([...new Set(methods)]) as HttpMethod[],
    actions: Object.freeze([...route.actions]) as string[],
  })
  return { route: frozen, segments }
}
