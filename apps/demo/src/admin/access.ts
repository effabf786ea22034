import { parse as parseCookies } from "hono/utils/cookie"

import type { MiddlewareHandler } from "hono"

import { localPath } from "./local-path.ts"
import { sessionValid, tokenMatches } from "./session.ts"

/** Who may use the host: see `createAccessControl`. */
export interface AccessOptions {
  /**
   * DOCKSTAT_ADMIN_TOKEN. Set, every request needs it (a bearer header, or the login cookie) except
   * `/health`, the login page and the page's static files. Unset, the host trusts whoever reaches it.
   */
  token?: string | undefined
  /**
   * Host header names served (lowercase, IPv6 without brackets). Others get 421: a DNS name rebound to
   * 127.0.0.1 by a web page cannot reach a host bound to loopback. Unset, any Host is served.
   */
  allowedHosts?: readonly string[] | undefined
}

export const SESSION_COOKIE = "dockstat_admin"
export const LOGIN_PATH = "/admin/login"

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/** Served without the token: what a login needs, and the health check. */
function isPublic(path: string): boolean {
  return path === "/health" || path === "/favicon.ico" || path === LOGIN_PATH || path.startsWith("/admin/assets/")
}

/** The admin page's own paths: a browser without a session is sent to the login form, not given JSON. */
function isPage(path: string): boolean {
  return path === "/" || path.startsWith("/admin/")
}

/**
 * The host's access rules, as one middleware in front of every route (pages, the JSON API and plugin routes):
 *
 * 1. With `allowedHosts`, a request for another Host gets 421 (DNS rebinding).
 * 2. A state-changing request (anything but GET, HEAD, OPTIONS) that a browser sent from another origin
 *    (`Origin` of another host, or `Sec-Fetch-Site` other than same-origin) gets 403, token or not: a web
 *    page the admin visits cannot make the admin's browser install or delete plugins.
 * 3. With a token: `Authorization: Bearer <token>` or the login cookie (HttpOnly, SameSite=Strict), else
 *    401 (the API) or a redirect to the login form (the page). A state-changing request carried by the
 *    cookie must also prove it comes from this origin (`Origin` or `Sec-Fetch-Site: same-origin`).
 */
export function createAccessControl(options: AccessOptions | AccessCheck): MiddlewareHandler {
  const check = typeof options === "function" ? options : createAccessCheck(options)
  return async (c, next) => check(c.req.raw, c.req.path) ?? next()
}

/**
 * The rules of `createAccessControl` on a bare Request, for a server path that answers before Hono's
 * middleware (the demo's plugin-route fast path): the answer to send, or undefined to serve the request.
 * `path` is the request's path as Hono's `c.req.path` gives it.
 */
export type AccessCheck = (request: Request, path: string) => Response | undefined

export function createAccessCheck(options: AccessOptions): AccessCheck {
  const allowed = options.allowedHosts === undefined ? undefined : new Set(options.allowedHosts.map((host) => host.toLowerCase()))
  const token = options.token
  return (request, path) => {
    if (allowed !== undefined) {
      const host = request.headers.get("host") ?? undefined
      const name = hostName(host)
      if (name === undefined || !allowed.has(name)) {
        return Response.json({ error: "MISDIRECTED", message: `Host ${JSON.stringify(host ?? "")} is not served here (served: ${[...allowed].join(", ")}; DOCKSTAT_ALLOWED_HOSTS adds names)` }, { status: 421 })
      }
    }
    const method = request.method
    const unsafe = !SAFE_METHODS.has(method)
    const origin = unsafe ? requestOrigin(request.headers) : "same"
    if (origin === "cross") {
      return Response.json(
        { error: "CROSS_ORIGIN", message: `${method} from another origin (${request.headers.get("origin") ?? request.headers.get("sec-fetch-site")}) refused: this host's state changes only from its own pages or from non-browser clients` },
        { status: 403 },
      )
    }
    if (token === undefined || isPublic(path)) return undefined
    const headers = request.headers

    // Only a Bearer header is a try at the token: a reverse proxy's own `Authorization: Basic ...` reaches
    // us on every request and must leave the login cookie to decide.
    const authorization = headers.get("authorization")
    if (authorization !== null && /^Bearer(?:[ ]|$)/i.test(authorization)) {
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
      if (match && tokenMatches(match[1] as string, token)) return undefined
      return unauthorized("The bearer token is not the admin token")
    }
    const cookies = headers.get("cookie")
    if (cookies !== null && sessionValid(parseCookies(cookies, SESSION_COOKIE)[SESSION_COOKIE], token)) {
      // SameSite=Strict keeps the cookie off other sites' requests; this also refuses a browser that sent neither header.
      if (unsafe && origin !== "same") return Response.json({ error: "CROSS_ORIGIN", message: `${method} with the login cookie needs an Origin header of this host` }, { status: 403 })
      return undefined
    }
    if (!unsafe && isPage(path)) {
      const next = localPath(path + new URL(request.url).search)
      return new Response(null, { status: 303, headers: { location: `${LOGIN_PATH}?next=${encodeURIComponent(next)}` } })
    }
    return unauthorized("This host needs the admin token: send Authorization: Bearer <DOCKSTAT_ADMIN_TOKEN>, or log in at /admin/login")
  }
}

function unauthorized(message: string): Response {
  return Response.json({ error: "UNAUTHORIZED", message }, { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="dockstat"' } })
}

/**
 * Where a state-changing request comes from, by what browsers send: `same` (an Origin of this host, or
 * Sec-Fetch-Site same-origin), `cross` (another origin, an opaque "null" origin, or a cross-site fetch),
 * `unknown` (neither header: not a browser, e.g. curl or the CLI).
 */
function requestOrigin(headers: Headers): "same" | "cross" | "unknown" {
  const origin = headers.get("origin")
  const host = headers.get("host")
  if (origin !== null) {
    if (host === null || !URL.canParse(origin)) return "cross"
    const from = new URL(origin)
    // The Host header as a URL of the Origin's scheme, so default ports compare equal (":80" or none).
    const self = URL.canParse(`${from.protocol}//${host}`) ? new URL(`${from.protocol}//${host}`) : undefined
    return self !== undefined && self.host === from.host ? "same" : "cross"
  }
  const site = headers.get("sec-fetch-site")
  if (site === null) return "unknown"
  return site === "same-origin" ? "same" : site === "none" ? "unknown" : "cross"
}

/** `127.0.0.1:3000` -> `127.0.0.1`, `[::1]:3000` -> `::1`, lowercased; undefined when unusable. */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === "") return undefined
  if (header.startsWith("[")) {
    const end = header.indexOf("]")
    return end === -1 ? undefined : header.slice(1, end).toLowerCase()
  }
  const colon = header.indexOf(":")
  return (colon === -1 ? header : header.slice(0, colon)).toLowerCase()
}
