import { Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { PluginError, createFetchHandler, isPluginError } from "@dockstat/plugin-handler"

import type PluginHandler from "@dockstat/plugin-handler"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import type { Logger } from "pino"

import { createErrorHandler, notFoundHandler } from "./error-handler.ts"
import { deleteStatus, installStatus, retryHeaders } from "./install-status.ts"
import { MAX_INSTALL_BODY_BYTES, readInstallRequest } from "./install-request.ts"
import { parsePluginId } from "./plugin-id.ts"
import type { Admin } from "./admin/index.ts"
import { logAccess, servePluginRoutesFirst } from "./plugin-routes-first.ts"

export interface AppOptions {
  /** Where unexpected errors are logged (with their stack, which the response never carries). */
  logger?: Logger
  /** One info line per request (method, path, status, ms) through `logger`. Default true when a logger is given. */
  accessLog?: boolean
  /** The admin page at `/`, its API and the access rules (`createAdmin`); without it, the JSON API only. */
  admin?: Admin
}

const API = "/api/v2/plugins"

/**
 * The demo's HTTP API around one PluginHandler: plugin management under `/api/v2/plugins` (the seed's
 * "With Elysia API" example) and the seed's "Basic Plugin System Setup" endpoints under `/plugins`.
 * Plugin routes are served by the facade's fetch handler, so status codes, `Allow` headers and error
 * bodies are the same on both mounts.
 *
 * @example
 * const app = createApp(handler)
 * serve({ fetch: app.fetch, port: 3000 })
 * // POST /api/v2/plugins/install {"url":"https://example.com/manifest.json"} -> 201 { success, id, message }
 * // POST /api/v2/plugins/1/activate, then GET /api/v2/plugins/1/routes/status
 */
export function createApp(handler: PluginHandler, options: AppOptions = {}): Hono {
  const app = new Hono()
  const apiRoutes = createFetchHandler(handler, { basePath: API })
  const seedRoutes = createFetchHandler(handler, { basePath: "/plugins" })

  /** The plugin's metadata, or a 404 for an id that names no installed plugin. */
  const installed = (raw: string | undefined) => {
    const id = parsePluginId(raw)
    const plugin = handler.getAll().find((candidate) => candidate.id === id)
    if (!plugin) throw new PluginError("PLUGIN_NOT_FOUND", `No plugin with id ${id}`, { pluginId: id })
    return plugin
  }

  const access = options.logger !== undefined && options.accessLog !== false ? options.logger : undefined
  if (access !== undefined) {
    app.use(async (c, next) => {
      const started = performance.now()
      await next()
      // After next(): an error has been answered by onError by then, so the status is the one sent.
      logAccess(access, { method: c.req.method, path: c.req.path, status: c.res.status, started })
    })
  }

  /**
   * After an install: activates the plugin (loads it, enabled across restarts) unless `activate` is
   * false, and says whether it is running. A new install not to be activated is stored disabled, so a
   * restart does not start it either; an update keeps the plugin's state.
   */
  const activation = async (id: number, activate: boolean) => {
    // A new install not to be activated was stored disabled (see the install call).
    if (!activate) return { running: handler.getLoadedPlugins().includes(id) }
    try {
      await handler.activatePlugin(id)
      return { running: true }
    } catch (error) {
      return { running: false, loadError: error instanceof Error ? error.message : String(error) }
    }
  }

  // Before every route: its access rules guard them all.
  options.admin?.mount(app)

  app.get("/health", (c) => c.json({ ok: true }))

  app.get(API, (c) => c.json(handler.getStatus()))
  // Whether the Docker event source is connected and how many events it delivered to plugin hooks.
  app.get("/api/v2/docker", (c) => c.json(handler.getDockerStatus() ?? { enabled: false }))

  // A URL and a flag fit in a few hundred bytes. The cap is checked on Content-Length, else while the
  // body streams in; what the client sends beyond it is never buffered (the adapter discards it).
  const installBodyLimit = bodyLimit({
    maxSize: MAX_INSTALL_BODY_BYTES,
    onError: (c) => c.json({ success: false, message: `The install request body is over the ${MAX_INSTALL_BODY_BYTES / 1024} KiB limit: send {"url": "https://…/manifest.json"}`, kind: "validation" }, 413, { connection: "close" }),
  })

  app.post(`${API}/install`, installBodyLimit, async (c) => {
    const request = await readInstallRequest(c.req.raw)
    if (!request.ok) return c.json({ success: false, message: request.message, kind: "validation" }, 400)
    const result = await handler.installFromManifestLink(request.url, {
      update: request.update,
      // Stored disabled from the start, so no process following the registry loads it meanwhile.
      ...(request.activate || request.update ? {} : { enabled: false }),
      ...(request.runtime === undefined ? {} : { runtime: request.runtime }),
      ...(request.expectedDigest === undefined ? {} : { expectedDigest: request.expectedDigest }),
    })
    if (!result.success) return c.json(result, installStatus(result), retryHeaders(result))
    return c.json({ ...result, ...(await activation(result.id, request.activate)) }, installStatus(result))
  })

  app.get(`${API}/:id`, (c) => c.json(installed(c.req.param("id"))))

  app.delete(`${API}/:id`, (c) => {
    const { id } = installed(c.req.param("id"))
    const result = handler.deletePlugin(id, { dropTable: c.req.query("dropTable") === "true" })
    // The plugin existed a moment ago, so a failure here is the database's, not the caller's: busy (503) or broken (500).
    return c.json(result, deleteStatus(result), retryHeaders(result))
  })

  // Activate and deactivate are recorded: a restart loads the plugin, or skips it, accordingly.
  app.post(`${API}/:id/activate`, async (c) => {
    const id = parsePluginId(c.req.param("id"))
    try {
      await handler.activatePlugin(id)
    } catch (error) {
      if (!isPluginError(error)) throw error
      return c.json({ success: false, message: error.message }, error.status as ContentfulStatusCode)
    }
    return c.json({ success: true })
  })

  app.post(`${API}/:id/deactivate`, (c) => {
    const { id } = installed(c.req.param("id"))
    // Deactivating a plugin that is not loaded leaves it just as asked: not loaded (and disabled).
    const result = handler.deactivatePlugin(id)
    return c.json(result, result.success ? 200 : 500)
  })

  // Loads the stored code again and swaps it in; the running version serves until then, and stays on failure.
  app.post(`${API}/:id/reload`, async (c) => {
    const { id, name } = installed(c.req.param("id"))
    try {
      const instance = await handler.reloadPlugin(id)
      return c.json({ success: true, message: `Reloaded ${name}@${instance.version} (id ${id})`, version: instance.version, runtime: instance.runtime })
    } catch (error) {
      if (!isPluginError(error)) throw error
      return c.json({ success: false, message: error.message }, error.status as ContentfulStatusCode)
    }
  })

  app.all(`${API}/:id/routes/*`, (c) => apiRoutes(c.req.raw))

  // The seed's "Basic Plugin System Setup".
  app.get("/plugins", (c) => c.json(handler.getStatus()))
  app.get("/plugins/routes", (c) => c.json(handler.getAllPluginRoutes()))
  app.all("/plugins/:id/routes/*", (c) => seedRoutes(c.req.raw))

  app.notFound(notFoundHandler)
  app.onError(createErrorHandler(options.logger))
  servePluginRoutesFirst(app, API, apiRoutes, { access, guard: options.admin?.access })
  return app
}
