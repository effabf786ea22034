/**
 * The seed's two Elysia integrations (shared seed, "Basic Plugin System Setup" and "Integration
 * Examples: With Elysia API"), as written there, around a handler made by the caller. Differences from
 * the seed's text: the handler comes in as an argument (the seed builds it at module level), `.listen()`
 * is left to the caller (the test picks a free port), and the install route reads `body.url` through a
 * cast, since Elysia types a body without a schema as `unknown`.
 */
import { Elysia } from "elysia"

import type PluginHandler from "@dockstat/plugin-handler"

/** "Basic Plugin System Setup". */
export function basicSetup(plugins: PluginHandler) {
  return new Elysia()
    .get("/plugins", () => plugins.getStatus())
    .get("/plugins/routes", () => plugins.getAllPluginRoutes())
    .all("/plugins/:id/routes/*", async ({ params, request }) => {
      const path = new URL(request.url).pathname
        .replace(`/plugins/${params.id}/routes`, "")

      return plugins.handleRoute(
        Number(params.id),
        path,
        request
      )
    })
}

/** "With Elysia API": plugin management endpoints and the plugin route proxy. */
export function apiApp(plugins: PluginHandler) {
  const app = new Elysia()

  // Plugin management endpoints

  app.group("/api/v2/plugins", (app) =>
    app
      .get("/", () => plugins.getStatus())
      .get("/:id", ({ params }) => {
        const all = plugins.getAll()
        return all.find(p => p.id === Number(params.id))
      })
      .post("/install", async ({ body }) => {
        return plugins.installFromManifestLink((body as { url: string }).url)
      })
      .delete("/:id", ({ params }) => {
        plugins.unloadPlugin(Number(params.id))
        return plugins.deletePlugin(Number(params.id))
      })
      .post("/:id/activate", async ({ params }) => {
        await plugins.loadPlugin(Number(params.id))
        return { success: true }
      })
      .post("/:id/deactivate", ({ params }) => {
        plugins.unloadPlugin(Number(params.id))
        return { success: true }
      })
  )

  // Plugin route proxy

  app.all("/api/v2/plugins/:id/routes/*", async ({ params, request }) => {
    const url = new URL(request.url)
    const pluginPath = url.pathname.replace(`/api/v2/plugins/${params.id}/routes`, "")

    return plugins.handleRoute(Number(params.id), pluginPath, request)
  })

  return app
}
