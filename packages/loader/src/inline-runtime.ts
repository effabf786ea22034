import { PluginError, errorMessage, isPluginError } from "@dockstat/plugin-schema"
import { routesFromConfig, runActionChainNow } from "@dockstat/plugin-router"

import type {
  Action,
  EventHandler,
  HookName,
  Logger,
  PluginDefinition,
  PluginInstance,
  PluginRef,
  RouteDescriptor,
  RouteInput,
  TableApi,
} from "@dockstat/plugin-schema"

export interface InlineInstanceOptions {
  ref: PluginRef
  definition: PluginDefinition
  table: TableApi | null
  logger: Logger
  /** Undone last-in-first-out by dispose(). */
  disposers?: (() => void | Promise<void>)[]
  /**
   * A route that has not answered by then gets a 504 (default 10 s). Inline code cannot be stopped: the
   * chain runs on in the background, and a synchronous endless loop blocks the host (use the worker runtime).
   */
  timeoutMs?: number
}

/**
 * A plugin running in the host process: fastest, and trusted. The route table and the action map are
 * fixed at load; a request costs one Map lookup before the chain runs.
 */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function"
}

export function createInlineInstance(options: InlineInstanceOptions): PluginInstance & { runRouteNow(routeKey: string, input: RouteInput): unknown } {
  const { ref, definition, table, logger } = options
  const routes: readonly RouteDescriptor[] = Object.freeze(routesFromConfig(definition.config?.apiRoutes))
  const byKey = new Map(routes.map((route) => [route.key, route]))
  const actions: Record<string, Action> = definition.config?.actions ?? {}
  const events = (definition.events ?? {}) as Partial<Record<HookName, EventHandler>>
  const hooks = Object.freeze(Object.keys(events).filter((hook) => typeof events[hook as HookName] === "function") as HookName[])
  const disposers = [...(options.disposers ?? [])]
  const timeoutMs = options.timeoutMs ?? 10_000
  let disposed = false
  const unloaded = () => new PluginError("PLUGIN_NOT_LOADED", `Plugin "${ref.name}" is unloaded`, { pluginId: ref.id, plugin: ref.name })

  const withTimeout = (chain: PromiseLike<unknown>, routeKey: string, names: readonly string[], progress: { index: number }): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const action = names[progress.index]
        reject(
          new PluginError("ACTION_TIMEOUT", `Route "${routeKey}" of plugin "${ref.name}" did not finish within ${timeoutMs} ms (stuck in action "${action}")`, {
            pluginId: ref.id,
            plugin: ref.name,
            ...(action === undefined ? {} : { action }),
          }),
        )
      }, timeoutMs)
      chain.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })

  const instance: PluginInstance & { runRouteNow(routeKey: string, input: RouteInput): unknown } = Object.freeze({
    id: ref.id,
    name: ref.name,
    version: ref.version,
    runtime: "inline" as const,
    routes,
    hooks,
    table,
    logger,
    loadedAt: new Date(),
    runRoute(routeKey: string, input: RouteInput): Promise<unknown> {
      try {
        return Promise.resolve(instance.runRouteNow(routeKey, input))
      } catch (error) {
        return Promise.reject(error)
      }
    },
    runRouteNow(routeKey: string, input: RouteInput): unknown {
      if (disposed) throw unloaded()
      const route = byKey.get(routeKey)
      if (route === undefined) {
        throw new PluginError("ROUTE_NOT_FOUND", `Plugin "${ref.name}" has no route "${routeKey}"`, { pluginId: ref.id, plugin: ref.name })
      }
      const progress = { index: 0 }
      const result = runActionChainNow({
        actions,
        names: route.actions,
        context: { logger, table, body: input.body, params: input.params, query: input.query, headers: input.headers, method: input.method, path: input.path, plugin: ref },
        onAction: (index) => {
          progress.index = index
        },
      })
      // A chain that answered synchronously needs no timer; one that went async gets the deadline.
      return isThenable(result) ? withTimeout(result, routeKey, route.actions, progress) : result
    },
    async runHook(hook: HookName, payload: Record<string, unknown>): Promise<void> {
      if (disposed) throw unloaded()
      const handler = events[hook]
      if (typeof handler !== "function") return
      try {
        // The seed's hand-written loop passes its own logger and table; otherwise the plugin's are used.
        await handler({ ...payload, logger: (payload.logger as Logger | undefined) ?? logger, table: (payload.table as TableApi | null | undefined) ?? table })
      } catch (error) {
        if (isPluginError(error) && error.hook !== undefined) throw error
        throw new PluginError("HOOK_FAILED", `Hook "${hook}" of plugin "${ref.name}" failed: ${errorMessage(error)}`, {
          pluginId: ref.id,
          plugin: ref.name,
          hook,
          cause: error,
        })
      }
    },
    async dispose(): Promise<void> {
      if (disposed) return
      disposed = true
      const errors: unknown[] = []
      for (const dispose of disposers.reverse()) {
        try {
          await dispose()
        } catch (error) {
          errors.push(error)
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, `Unloading plugin "${ref.name}" failed: ${errors.map(errorMessage).join("; ")}`)
    },
  })
  return instance
}
