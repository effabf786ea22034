import { PluginError, isThenable } from "@dockstat/plugin-schema"
import { errorToResponse } from "./error-to-response.ts"
import { toResponse } from "./to-response.ts"

/** What the fetch handler serves from: the seed's `handleRoute`, which `PluginHandler` implements. */
export interface RouteHost {
  handleRoute(id: number, path: string, request: Request): Promise<unknown>
  /**
   * Optional: the same, answering synchronously when it can (a plugin whose actions return plain
   * values, for a request without a body). Used in place of handleRoute when present.
   */
  handleRouteNow?(id: number, path: string, request: Request): unknown
}

export interface FetchHandlerOptions {
  /** Where plugin routes are mounted, e.g. `/api/plugins`. Default `""` (served at `/:id/routes/*`). */
  basePath?: string
}

/**
 * A framework-free HTTP handler: any server that speaks `Request -> Response` can mount it. It answers
 * synchronously when the route did (servers such as Hono and Bun take either).
 */
export type FetchHandler = (request: Request) => Response | Promise<Response>

const ROUTES = "/routes"

/**
 * Serves `${basePath}/:id/routes/*`: the rest of the path after `/routes` (or `/`) goes to
 * `host.handleRoute(id, path, request)`, its result through `toResponse`, a thrown error through
 * `errorToResponse`. Any other path, or an id that is not a plain integer, answers 404 JSON.
 * A HEAD answer keeps status and headers and drops the body.
 *
 * @example
 * const fetch = createFetchHandler(handler, { basePath: "/api/plugins" })
 * Bun.serve({ fetch }) // or Deno.serve(fetch), hono's app.all("/api/plugins/*", (c) => fetch(c.req.raw)), ...
 */
export function createFetchHandler(host: RouteHost, options: FetchHandlerOptions = {}): FetchHandler {
  const basePath = normalizeBasePath(options.basePath ?? "")
  return function handle(request) {
    const pathname = pathnameOf(request.url)
    const target = parseTarget(pathname, basePath)
    if (target === undefined) {
      return errorToResponse(new PluginError("ROUTE_NOT_FOUND", `Nothing is served at ${pathname}; plugin routes are at ${basePath}/:id/routes/*`))
    }
    if (target.id === undefined) {
      return errorToResponse(new PluginError("PLUGIN_NOT_FOUND", `There is no plugin with id "${target.rawId}"`))
    }
    // No closure per request here: under tsx (keepNames) each one costs a defineProperty.
    const head = request.method === "HEAD"
    let result: unknown
    try {
      result = host.handleRouteNow ? host.handleRouteNow(target.id, target.path, request) : host.handleRoute(target.id, target.path, request)
    } catch (error) {
      return head ? withoutBody(errorToResponse(error)) : errorToResponse(error)
    }
    if (isThenable(result)) return Promise.resolve(result).then(head ? headToResponse : toResponse, head ? headErrorToResponse : errorToResponse)
    return head ? withoutBody(toResponse(result)) : toResponse(result)
  }
}

const headToResponse = (value: unknown) => withoutBody(toResponse(value))
const headErrorToResponse = (error: unknown) => withoutBody(errorToResponse(error))

function normalizeBasePath(basePath: string): string {
  let result = basePath.trim()
  if (result !== "" && !result.startsWith("/")) result = `/${result}`
  while (result.endsWith("/")) result = result.slice(0, -1)
  return result
}

/** `Request.url` is always absolute and serialized, so slicing finds the path without a URL parse. */
function pathnameOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2)
  if (start === -1) return "/"
  let end = url.length
  const query = url.indexOf("?", start)
  if (query !== -1) end = query
  const hash = url.indexOf("#", start)
  if (hash !== -1 && hash < end) end = hash
  return url.slice(start, end)
}

interface Target {
  rawId: string
  id: number | undefined
  path: string
}

function parseTarget(pathname: string, basePath: string): Target | undefined {
  if (!pathname.startsWith(basePath) || pathname.charCodeAt(basePath.length) !== 47 /* / */) return undefined
  const idStart = basePath.length + 1
  const idEnd = pathname.indexOf("/", idStart)
  if (idEnd === -1 || !pathname.startsWith(ROUTES, idEnd)) return undefined
  const restStart = idEnd + ROUTES.length
  // "/5/routes" and "/5/routes/x" are routes; "/5/routesx" is not.
  if (restStart < pathname.length && pathname.charCodeAt(restStart) !== 47) return undefined
  const rawId = pathname.slice(idStart, idEnd)
  const path = restStart === pathname.length ? "/" : pathname.slice(restStart)
  return { rawId, id: parseId(rawId), path }
}

function parseId(raw: string): number | undefined {
  if (raw === "" || raw.length > 16) return undefined
  for (let index = 0; index < raw.length; index++) {
    const code = raw.charCodeAt(index)
    if (code < 48 || code > 57) return undefined
  }
  const id = Number(raw)
  return Number.isSafeInteger(id) ? id : undefined
}

function withoutBody(response: Response): Response {
  if (response.body === null) return response
  // Free whatever produced the body; nobody will read it.
  response.body.cancel().catch(ignoreCancelFailure)
  return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers })
}

function ignoreCancelFailure(): void {}
