import { getCookie } from "hono/cookie"

import type { Context, MiddlewareHandler } from "hono"

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
export function createAccessControl(options: AccessOptions): MiddlewareHandler {
  const allowed = options.allowedHosts === undefined ? undefined : new Set(options.allowedHosts.map((host) => host.toLowerCase()))
  const token = options.token
  return async (c, next) => {
    if (allowed !== undefined) {
      const name = hostName(c.req.header("host"))
      if (name === undefined || !allowed.has(name)) {
        return c.json({ error: "MISDIRECTED", message: `Host ${JSON.stringify(c.req.header("host") ?? "")} is not served here (served: ${[...allowed].join(", ")}; DOCKSTAT_ALLOWED_HOSTS adds names)` }, 421)
      }
    }
    const unsafe = !SAFE_METHODS.has(c.req.method)
    const origin = unsafe ? requestOrigin(c) : "same"
    if (origin === "cross") return c.json({ error: "CROSS_ORIGIN", message: `${c.req.method} from another origin (${c.req.header("origin") ?? c.req.header("sec-fetch-site")}) refused: this host's state changes only from its own pages or from non-browser clients` }, 403)
    if (token === undefined || isPublic(c.req.path)) return next()

    const authorization = c.req.header("authorization")
    if (authorization !== undefined) {
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
      if (match && tokenMatches(match[1] as string, token)) return next()
      return unauthorized(c, "The bearer token is not the admin token")
    }
    if (sessionValid(getCookie(c, SESSION_COOKIE), token)) {
      // SameSite=Strict keeps the cookie off other sites' requests; this also refuses a browser that sent neither header.
      if (unsafe && origin !== "same") return c.json({ error: "CROSS_ORIGIN", message: `${c.req.method} with the login cookie needs an Origin header of this host` }, 403)
      return next()
    }
    if (!unsafe && isPage(c.req.path)) {
      const next = localPath(c.req.path + (new URL(c.req.url).search ?? ""))
      return c.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(next)}`, 303)
    }
    return unauthorized(c, "This host needs the admin token: send Authorization: Bearer <DOCKSTAT_ADMIN_TOKEN>, or log in at /admin/login")
  }
}

function unauthorized(c: Context, message: string): Response {
  return c.json({ error: "UNAUTHORIZED", message }, 401, { "WWW-Authenticate": 'Bearer realm="dockstat"' })
}

/**
 * Where a state-changing request comes from, by what browsers send: `same` (an Origin of this host, or
 * Sec-Fetch-Site same-origin), `cross` (another origin, an opaque "null" origin, or a cross-site fetch),
 * `unknown` (neither header: not a browser, e.g. curl or the CLI).
 */
function requestOrigin(c: Context): "same" | "cross" | "unknown" {
  const origin = c.req.header("origin")
  const host = c.req.header("host")
  if (origin !== undefined) {
    if (host === undefined || !URL.canParse(origin)) return "cross"
    const from = new URL(origin)
    // The Host header as a URL of the Origin's scheme, so default ports compare equal (":80" or none).
    const self = URL.canParse(`${from.protocol}//${host}`) ? new URL(`${from.protocol}//${host}`) : undefined
    return self !== undefined && self.host === from.host ? "same" : "cross"
  }
  const site = c.req.header("sec-fetch-site")
  if (site === undefined) return "unknown"
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
