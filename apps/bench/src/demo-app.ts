import { Hono } from "hono"
import { PluginError, createFetchHandler, errorToResponse, isPluginError } from "@dockstat/plugin-handler"

import type PluginHandler from "@dockstat/plugin-handler"

export interface DemoApp {
  fetch: (request: Request) => Response | Promise<Response>
  /** Which app serves: the demo's own `createApp`, or the replica below. */
  source: string
}

type CreateApp = (handler: PluginHandler) => { fetch: DemoApp["fetch"] }

/** Where the demo's app factory is imported from, once apps/demo exports it. */
const DEMO_APP = "@dockstat/demo/app"

/**
 * The demo's Hono app around `handler`. The real `createApp` of apps/demo is used as soon as its package
 * exports it as `"exports": { "./app": "./src/app.ts" }` (only that entry is tried: the demo's main module
 * starts a server when imported); until then, a replica of apps/demo/src/app.ts, same routes, same order.
 */
export async function createDemoApp(handler: PluginHandler): Promise<DemoApp> {
  let module: { createApp?: unknown } | undefined
  try {
    // A variable specifier: the demo has no exports yet, and the type checker must not insist on one.
    const specifier = DEMO_APP
    module = (await import(specifier)) as { createApp?: unknown }
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw error
  }
  if (typeof module?.createApp === "function") {
    const app = (module.createApp as CreateApp)(handler)
    return { fetch: app.fetch, source: `createApp from ${DEMO_APP}` }
  }
  return { fetch: replicaApp(handler).fetch, source: "replica of apps/demo/src/app.ts (apps/demo has no package exports)" }
}

const API = "/api/v2/plugins"

/** apps/demo/src/app.ts as of this writing: same routes and order; the management handlers are stubs. */
function replicaApp(handler: PluginHandler): Hono {
  const app = new Hono()
  const apiRoutes = createFetchHandler(handler, { basePath: API })
  const seedRoutes = createFetchHandler(handler, { basePath: "/plugins" })
  const notServed = () => new Response(JSON.stringify({ error: "NOT_FOUND", message: "not part of the benchmark" }), { status: 404 })

  app.get("/health", (c) => c.json({ ok: true }))
  app.get(API, (c) => c.json(handler.getStatus()))
  app.post(`${API}/install`, notServed)
  app.get(`${API}/:id`, notServed)
  app.delete(`${API}/:id`, notServed)
  app.post(`${API}/:id/activate`, notServed)
  app.post(`${API}/:id/deactivate`, notServed)
  app.all(`${API}/:id/routes/*`, (c) => apiRoutes(c.req.raw))
  app.get("/plugins", (c) => c.json(handler.getStatus()))
  app.get("/plugins/routes", (c) => c.json(handler.getAllPluginRoutes()))
  app.all("/plugins/:id/routes/*", (c) => seedRoutes(c.req.raw))
  app.notFound((c) => c.json({ error: "NOT_FOUND", message: `Nothing is served at ${c.req.method} ${c.req.path}` }, 404))
  app.onError((error, c) => {
    if (isPluginError(error)) return errorToResponse(error)
    return c.json({ error: "INTERNAL", message: error instanceof PluginError ? error.message : "Internal server error" }, 500)
  })
  return app
}

/** Where the demo app serves plugin `id`'s route `path`. */
export const demoRoutePath = (id: number, path: string) => `${API}/${id}/routes${path}`

/** The bare baseline: a Hono app with one route answering the same object. */
export function bareApp(body: unknown): Hono {
  const app = new Hono()
  app.get("/hello", (c) => c.json(body))
  return app
}
