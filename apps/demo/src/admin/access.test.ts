/**
 * Access to the host over real HTTP: the admin token (bearer or the login cookie), CSRF (cross-origin
 * state changes refused, token or not) and DNS rebinding (other Host names refused when bound to loopback).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { ConfigError, loadConfig } from "../config.ts"
import { startServer } from "../server.ts"
import type { RunningServer } from "../server.ts"
import { createTempDir } from "../test-support/temp-dir.ts"
import { hostName } from "./access.ts"
import { localPath } from "./local-path.ts"
import { SESSION_HOURS, createSession, sessionValid, tokenMatches } from "./session.ts"

const TOKEN = "correct-horse-battery-staple-42"

/** The cookie a login answered with, as `name=value` for a Cookie header. */
function cookieOf(response: Response): string {
  const header = response.headers.get("set-cookie") ?? ""
  return header.split(";")[0] ?? ""
}

async function login(url: string, token: string, next = "/"): Promise<Response> {
  return fetch(`${url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
    body: new URLSearchParams({ token, next }),
  })
}

describe("with DOCKSTAT_ADMIN_TOKEN set", () => {
  const temp = createTempDir()
  let server: RunningServer
  let url: string

  beforeAll(async () => {
    server = await startServer({ dbPath: temp.file("d.db"), port: 0, logLevel: "silent", docker: false, admin: { token: TOKEN } })
    url = server.url
  })
  afterAll(async () => {
    await server?.close()
    temp.remove()
  })

  it("answers 401 with WWW-Authenticate to an API request without the token, and to a bad bearer token", async () => {
    const none = await fetch(`${url}/api/v2/plugins`)
    expect(none.status).toBe(401)
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="dockstat"')
    expect(await none.json()).toMatchObject({ error: "UNAUTHORIZED", message: expect.stringContaining("Authorization: Bearer") })

    for (const authorization of [`Bearer ${TOKEN}x`, "Bearer short", `Basic ${Buffer.from(`admin:${TOKEN}`).toString("base64")}`, `Bearer ${TOKEN.slice(0, -1)}`]) {
      const bad = await fetch(`${url}/api/v2/plugins`, { headers: { authorization } })
      expect(bad.status, authorization).toBe(401)
    }
  })

  it("lets the login cookie decide when a proxy sends its own Basic Authorization header", async () => {
    const cookie = cookieOf(await login(url, TOKEN))
    const basic = `Basic ${Buffer.from("proxy-user:proxy-pass").toString("base64")}`
    expect((await fetch(`${url}/api/v2/plugins`, { headers: { cookie, authorization: basic } })).status).toBe(200)
    expect((await fetch(`${url}/api/v2/plugins`, { headers: { authorization: basic } })).status).toBe(401)
  })

  it("serves the API, state changes and plugin routes to the bearer token", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    expect((await fetch(`${url}/api/v2/plugins`, { headers: auth })).status).toBe(200)
    // Plugin routes are guarded too: they write plugin tables.
    expect((await fetch(`${url}/api/v2/plugins/1/routes/status`)).status).toBe(401)
    expect((await fetch(`${url}/plugins/1/routes/status`)).status).toBe(401)
    expect((await fetch(`${url}/api/v2/plugins/1/routes/status`, { headers: auth })).status).toBe(200)
    const save = await fetch(`${url}/api/v2/plugins/1/routes/save`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ data: { cpu: 1 } }) })
    expect(save.status).toBe(200)
    const deactivated = await fetch(`${url}/api/v2/plugins/2/deactivate`, { method: "POST", headers: auth })
    expect(deactivated.status).toBe(200)
    expect((await fetch(`${url}/api/v2/plugins/2/activate`, { method: "POST", headers: auth })).status).toBe(200)
    expect((await fetch(`${url}/api/v2/plugins/2/deactivate`, { method: "POST" })).status).toBe(401)
  })

  it("keeps /health, the login page and the page's static files open", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200)
    expect((await fetch(`${url}/admin/login`)).status).toBe(200)
    expect((await fetch(`${url}/admin/assets/admin.css`)).status).toBe(200)
    expect((await fetch(`${url}/admin/assets/admin.js`)).headers.get("content-type")).toMatch(/^text\/javascript/)
  })

  it("sends a browser without a session to the login form, keeping where it was going", async () => {
    const page = await fetch(`${url}/admin/plugins/1?tpage=2`, { redirect: "manual" })
    expect(page.status).toBe(303)
    expect(page.headers.get("location")).toBe(`/admin/login?next=${encodeURIComponent("/admin/plugins/1?tpage=2")}`)
    expect((await fetch(`${url}/`, { redirect: "manual" })).headers.get("location")).toBe("/admin/login?next=%2F")
  })

  it("refuses a wrong token at the login form with the page's message, and sets no cookie", async () => {
    const response = await login(url, "not-the-token-at-all")
    expect(response.status).toBe(401)
    expect(response.headers.get("set-cookie")).toBeNull()
    expect(await response.text()).toContain("That is not the admin token.")
  })

  it("logs in with the token: an HttpOnly SameSite=Strict cookie (not the token) that opens the page", async () => {
    const response = await login(url, TOKEN, "/admin/plugins/1")
    expect(response.status).toBe(303)
    expect(response.headers.get("location")).toBe("/admin/plugins/1")
    const header = response.headers.get("set-cookie") ?? ""
    expect(header).toMatch(/^dockstat_admin=v1\.[0-9]+\.[A-Za-z0-9_-]{43};/)
    expect(header).toMatch(/HttpOnly/)
    expect(header).toMatch(/SameSite=Strict/)
    expect(header).toMatch(new RegExp(`Max-Age=${SESSION_HOURS * 3600}`))
    expect(header).not.toContain(TOKEN)

    const cookie = cookieOf(response)
    const page = await fetch(`${url}/`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("<h1>Plugins</h1>")
    expect((await fetch(`${url}/api/v2/plugins`, { headers: { cookie } })).status).toBe(200)
  })

  it("a login never redirects to another site", async () => {
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
      const response = await login(url, TOKEN, next)
      expect(response.headers.get("location"), next).toBe("/")
    }
  })

  it("a state change with the cookie needs this origin: same-origin passes, cross-origin or no origin is refused", async () => {
    const cookie = cookieOf(await login(url, TOKEN))
    const post = (headers: Record<string, string>) => fetch(`${url}/admin/plugins/2/deactivate`, { method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers }, body: "back=/" })

    const cross = await post({ origin: "http://evil.example" })
    expect(cross.status).toBe(403)
    expect(await cross.json()).toMatchObject({ error: "CROSS_ORIGIN" })
    expect((await post({ origin: "null" })).status).toBe(403)
    expect((await post({ "sec-fetch-site": "same-site" })).status).toBe(403)
    // Another port of the same host is another origin.
    expect((await post({ origin: url.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`) })).status).toBe(403)
    expect(server.handler.getStatus().installed_plugins.data.find((plugin) => plugin.id === 2)?.enabled).toBe(true)

    expect((await post({})).status).toBe(403)
    const same = await post({ origin: url })
    expect(same.status).toBe(303)
    expect(same.headers.get("location")).toBe("/?done=deactivated&pid=2")
    expect(server.handler.getStatus().installed_plugins.data.find((plugin) => plugin.id === 2)?.enabled).toBe(false)
    expect((await post({ "sec-fetch-site": "same-origin" })).status).toBe(303)
    await server.handler.activatePlugin(2)
  })

  it("refuses a forged, tampered or expired session cookie", async () => {
    const expired = createSession(TOKEN, Date.now() - (SESSION_HOURS * 3600 + 5) * 1000)
    const otherToken = createSession("another-token-entirely-xyz")
    const valid = createSession(TOKEN)
    const tampered = valid.replace(/\.([0-9]+)\./, (_, expires: string) => `.${Number(expires) + 3600}.`)
    for (const value of [expired, otherToken, tampered, TOKEN, "v1.9999999999.short"]) {
      const response = await fetch(`${url}/api/v2/plugins`, { headers: { cookie: `dockstat_admin=${value}` } })
      expect(response.status, value).toBe(401)
    }
  })

  it("logs out: the cookie is cleared", async () => {
    const cookie = cookieOf(await login(url, TOKEN))
    const response = await fetch(`${url}/admin/logout`, { method: "POST", redirect: "manual", headers: { cookie, origin: url } })
    expect(response.status).toBe(303)
    expect(response.headers.get("location")).toBe("/admin/login")
    expect(response.headers.get("set-cookie")).toMatch(/^dockstat_admin=;.*Max-Age=0/)
  })
})

describe("without a token (the default)", () => {
  const temp = createTempDir()
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ dbPath: temp.file("d.db"), port: 0, logLevel: "silent", docker: false })
  })
  afterAll(async () => {
    await server?.close()
    temp.remove()
  })

  it("serves the page and the API to anyone who reaches 127.0.0.1", async () => {
    expect((await fetch(`${server.url}/`)).status).toBe(200)
    expect((await fetch(`${server.url}/api/v2/plugins`)).status).toBe(200)
    // curl and the CLI send no Origin: allowed.
    expect((await fetch(`${server.url}/api/v2/plugins/2/deactivate`, { method: "POST" })).status).toBe(200)
    expect((await fetch(`${server.url}/api/v2/plugins/2/activate`, { method: "POST" })).status).toBe(200)
  })

  it("refuses a state change a web page of another origin makes the browser send (CSRF), API and page forms alike", async () => {
    const evil = { origin: "http://evil.example" }
    const install = await fetch(`${server.url}/api/v2/plugins/install`, { method: "POST", headers: { ...evil, "content-type": "text/plain" }, body: JSON.stringify({ url: "http://evil.example/m.json" }) })
    expect(install.status).toBe(403)
    expect((await fetch(`${server.url}/api/v2/plugins/1`, { method: "DELETE", headers: evil })).status).toBe(403)
    expect((await fetch(`${server.url}/admin/plugins/1/delete`, { method: "POST", headers: { ...evil, "content-type": "application/x-www-form-urlencoded" }, body: "dropTable=1" })).status).toBe(403)
    expect((await fetch(`${server.url}/api/v2/plugins/1/routes/save`, { method: "POST", headers: { "sec-fetch-site": "cross-site", "content-type": "text/plain" }, body: "{}" })).status).toBe(403)
    expect(server.handler.getAll().map((plugin) => plugin.id)).toEqual([1, 2, 3])
  })

  it("answers 421 to a Host name other than loopback's (a DNS name rebound to 127.0.0.1)", async () => {
    const { request } = await import("node:http")
    const status = (host: string, path = "/api/v2/plugins") =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { headers: { host } }, (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        })
        req.on("error", reject)
        req.end()
      })
    expect(await status(`evil.example:${server.port}`)).toBe(421)
    expect(await status(`localhost:${server.port}`)).toBe(200)
    expect(await status(`127.0.0.1:${server.port}`)).toBe(200)
    expect(await status(`[::1]:${server.port}`)).toBe(200)
    // Plugin routes are served before Hono's router (plugin-routes-first.ts): the same rule holds there.
    expect(await status(`evil.example:${server.port}`, "/api/v2/plugins/1/routes/status")).toBe(421)
    expect(await status(`localhost:${server.port}`, "/api/v2/plugins/1/routes/status")).toBe(200)
  })
})

describe("token and session helpers", () => {
  it("compares tokens in constant time through digests, whatever their lengths", () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true)
    expect(tokenMatches(`${TOKEN}!`, TOKEN)).toBe(false)
    expect(tokenMatches("", TOKEN)).toBe(false)
    expect(tokenMatches("x".repeat(10_000), TOKEN)).toBe(false)
  })

  it("a session is valid until it expires, and only for the token that made it", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    const session = createSession(TOKEN, now)
    expect(sessionValid(session, TOKEN, now + 1000)).toBe(true)
    expect(sessionValid(session, TOKEN, now + SESSION_HOURS * 3600 * 1000)).toBe(false)
    expect(sessionValid(session, "another-token-of-length", now)).toBe(false)
    expect(sessionValid(undefined, TOKEN, now)).toBe(false)
  })

  it("reads DOCKSTAT_ADMIN_TOKEN, refusing one too short to resist guessing", () => {
    expect(loadConfig({ DOCKSTAT_ADMIN_TOKEN: `  ${TOKEN} ` }).adminToken).toBe(TOKEN)
    expect(loadConfig({}).adminToken).toBeUndefined()
    expect(() => loadConfig({ DOCKSTAT_ADMIN_TOKEN: "secret" })).toThrow(ConfigError)
    expect(() => loadConfig({ DOCKSTAT_ADMIN_TOKEN: "secret" })).toThrow(/at least 16 characters/)
    expect(loadConfig({ DOCKSTAT_ALLOWED_HOSTS: "dockstat.lan, [FD00::1] ," }).allowedHosts).toEqual(["dockstat.lan", "fd00::1"])
  })

  it("keeps redirects on this host and reads Host names", () => {
    expect(localPath("/admin/plugins/1?tpage=2")).toBe("/admin/plugins/1?tpage=2")
    for (const bad of ["//evil.example", "/\\evil.example", "/.//evil.example", "/a/..//evil.example", "/%2e//evil.example", "https://evil.example", "evil", "/\t/evil.example", 42]) expect(localPath(bad)).toBe("/")
    expect(hostName("[::1]:3000")).toBe("::1")
    expect(hostName("LocalHost:3000")).toBe("localhost")
    expect(hostName(undefined)).toBeUndefined()
  })
})
