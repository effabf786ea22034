import type { createFetchHandler } from "@dockstat/plugin-handler"
import type { Hono } from "hono"
import type { Logger } from "pino"

/** The fields of one access-log line; `path` as Hono's `c.req.path` gives it. */
export type AccessLine = { method: string; path: string; status: number; started: number }

/** Writes one access-log line: the middleware of every route and the plugin fast path share it. */
export function logAccess(logger: Logger, line: AccessLine): void {
  logger.info({ method: line.method, path: line.path, status: line.status, ms: Math.round((performance.now() - line.started) * 10) / 10 }, "request")
}

/**
 * The path of `url` when it is a plugin route under `base` that Hono's `${base}/:id/routes/*` would
 * match too, else undefined. Conservative: no `%` in the path (Hono matches on the decoded path), a
 * non-empty id segment and something after `/routes/`; anything else is left to Hono, which sends a
 * matching request to the same handler.
 */
export function pluginRoutePath(url: string, base: string): string | undefined {
  // Where Hono's getPath starts: after "scheme://" and the host's first character.
  const start = url.indexOf("/", url.indexOf(":") + 4)
  if (start === -1 || !url.startsWith(base, start) || url.charCodeAt(start + base.length) !== 47 /* / */) return undefined
  let end = start + base.length + 1
  const idStart = end
  for (; end < url.length; end++) {
    const code = url.charCodeAt(end)
    if (code === 47 /* / */ || code === 63 /* ? */ || code === 35 /* # */ || code === 37 /* % */) break
  }
  if (end === idStart || url.charCodeAt(end) !== 47 || !url.startsWith("/routes/", end)) return undefined
  for (let index = end; index < url.length; index++) {
    const code = url.charCodeAt(index)
    if (code === 63 || code === 35) return url.slice(start, index)
    if (code === 37) return undefined
  }
  return url.slice(start)
}

export interface FastPathOptions {
  /** Where the access-log line of each request goes (none when undefined). */
  access?: Logger | undefined
  /** The host's access rules (the admin's `access`), checked before the plugin route runs. */
  guard?: ((request: Request, path: string) => Response | undefined) | undefined
}

/**
 * Serves `${base}/:id/routes/...` before Hono's dispatch: the plugin route handler parses the path
 * itself and answers every error as a Response, so Hono's router, context and error handler add
 * nothing but ~3 us a request (a third of the host's cost of an inline plugin route). The answer and the
 * access-log line are the ones Hono's route gives; HEAD (which Hono answers through its GET routes) and
 * any path the check above does not recognise still go through Hono.
 */
export function servePluginRoutesFirst(app: Hono, base: string, routes: ReturnType<typeof createFetchHandler>, options: FastPathOptions = {}): void {
  const { access, guard } = options
  const dispatch = app.fetch
  app.fetch = (request, env, executionCtx) => {
    const path = request.method === "HEAD" ? undefined : pluginRoutePath(request.url, base)
    if (path === undefined) return dispatch(request, env, executionCtx)
    const started = access === undefined ? 0 : performance.now()
    // The access rules Hono's middleware would have applied: the same answer for a refused request.
    const answer = guard?.(request, path) ?? routes(request)
    if (access === undefined) return answer
    const { method } = request
    if (!(answer instanceof Promise)) {
      logAccess(access, { method, path, status: answer.status, started })
      return answer
    }
    return answer.then((response) => {
      logAccess(access, { method, path, status: response.status, started })
      return response
    })
  }
}
