import { readFileSync } from "node:fs"

import type { Hono, MiddlewareHandler } from "hono"
import type PluginHandler from "@dockstat/plugin-handler"

import { createAccessCheck, createAccessControl } from "./access.ts"
import type { AccessCheck, AccessOptions } from "./access.ts"
import { createActivityHub } from "./activity-hub.ts"
import type { ActivityHub, ActivityHubOptions } from "./activity-hub.ts"
import { mountApi } from "./api-routes.ts"
import { mountPages } from "./page-routes.ts"
import { trackPluginErrors } from "./plugin-errors.ts"

export type { AccessCheck, AccessOptions, ActivityHub, ActivityHubOptions }

export interface AdminOptions extends AccessOptions {
  /** Limits of the live log (history, per-client queue, clients, heartbeat). */
  events?: ActivityHubOptions
}

export interface Admin {
  /** Puts the access rules in front of every route of `app` and adds the page and its API. Call before any other route. */
  mount(app: Hono): void
  /** The access rules on a bare Request, for paths served before Hono's middleware (plugin routes). */
  access: AccessCheck
  hub: ActivityHub
  /** Stops listening to the handler and ends the live log streams (before the server closes). */
  close(): void
}

// Nothing from another host, nothing inline: the page's one script and one stylesheet come from here.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const ASSETS = {
  "admin.css": { type: "text/css; charset=utf-8", body: readFileSync(new URL("./assets/admin.css", import.meta.url), "utf8") },
  "admin.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("./assets/admin.js", import.meta.url), "utf8") },
} as const

/** The headers of every page and asset: the CSP above, no sniffing, no framing, no referrer to other sites. */
const pageHeaders: MiddlewareHandler = async (c, next) => {
  await next()
  c.header("content-security-policy", CONTENT_SECURITY_POLICY)
  c.header("x-content-type-options", "nosniff")
  c.header("x-frame-options", "DENY")
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on form posts, which the CSRF check refuses.
  c.header("referrer-policy", "same-origin")
}

/**
 * The admin page of the demo: made when the handler is (so the live log has the boot's loads in its
 * history), mounted on the app later. Server-rendered HTML with plain forms; see docs/decisions/admin-page.md.
 *
 * @example
 * const admin = createAdmin(handler, { token: process.env.DOCKSTAT_ADMIN_TOKEN, allowedHosts: ["127.0.0.1", "localhost", "::1"] })
 * const app = createApp(handler, { admin })   // serves the page at /
 * // on shutdown: admin.close(), then close the server
 */
export function createAdmin(handler: PluginHandler, options: AdminOptions = {}): Admin {
  const hub = createActivityHub(handler, options.events)
  const errors = trackPluginErrors(handler)
  const access = createAccessCheck(options)
  return {
    hub,
    access,
    mount(app) {
      app.use(createAccessControl(access))
      app.use("/", pageHeaders)
      app.use("/admin/*", pageHeaders)
      // Browsers ask for it whatever the page says; nothing to send.
      app.get("/favicon.ico", (c) => c.body(null, 204))
      app.get("/admin/assets/:file", (c) => {
        const file = c.req.param("file")
        const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file as keyof typeof ASSETS] : undefined
        if (asset === undefined) return c.text("Not found", 404)
        return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "no-cache" })
      })
      mountApi(app, handler, hub)
      mountPages(app, { handler, errors, token: options.token })
    },
    close() {
      hub.close()
      errors.close()
    },
  }
}
