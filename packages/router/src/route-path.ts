import { invalidRoute } from "./errors.ts"

/** One segment of a route path: a literal, or a `:name` that captures one request segment. */
export type PatternSegment = { readonly param: false; readonly value: string } | { readonly param: true; readonly name: string }

const PARAM_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/**
 * The form every path is compared in: leading slash, no query string, no trailing slash (except `/`).
 * Request paths and route paths both go through it, so `/status/` and `/status` are one route.
 */
export function normalizePath(path: string): string {
  // The path should never carry a query string; a caller that passes `pathname + search` must
  // still match, and the query must not leak into a param.
  const query = path.indexOf("?")
  let result = query === -1 ? path : path.slice(0, query)
  if (result.charCodeAt(0) !== 47 /* / */) result = `/${result}`
  if (result.length > 1 && result.charCodeAt(result.length - 1) === 47) result = result.slice(0, -1)
  return result
}

/**
 * Splits a route path into segments, refusing what could never match or would match ambiguously:
 * empty segments, unnamed or oddly named params, a param name used twice.
 */
export function parseRoutePath(key: string, path: string): PatternSegment[] {
  if (!path.startsWith("/")) throw invalidRoute(key, `the path must start with "/", got "${path}"`)
  if (path.includes("?") || path.includes("#")) {
    throw invalidRoute(key, "the path must not contain a query string or fragment")
  }
  const normalized = normalizePath(path)
  if (normalized === "/") return []
  const segments: PatternSegment[] = []
  const names = new Set<string>()
  for (const part of normalized.slice(1).split("/")) {
    if (part === "") throw invalidRoute(key, "the path has an empty segment (\"//\")")
    if (!part.startsWith(":")) {
      segments.push({ param: false, value: part })
      continue
    }
    const name = part.slice(1)
    if (!PARAM_NAME.test(name)) {
      throw invalidRoute(key, `":${name}" is not a valid parameter; use ":" and a name of letters, digits and _`)
    }
    // The params object is a plain object; this one name would set its prototype instead.
    if (name === "__proto__") throw invalidRoute(key, '":__proto__" cannot be a parameter name')
    if (names.has(name)) throw invalidRoute(key, `the parameter ":${name}" appears twice`)
    names.add(name)
    segments.push({ param: true, name })
  }
  return segments
}
