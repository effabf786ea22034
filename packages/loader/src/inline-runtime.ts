import { errorMessage, isThenable } from "@dockstat/plugin-schema"
import { routesFromConfig, runActionChainNow } from "@dockstat/plugin-router"

import type {
  Action,
  HookName,
  HookShare,
  Logger,
  PluginDefinition,
  PluginFrontendConfig,
  PluginInstance,
  PluginRef,
  RouteDescriptor,
  RouteInput,
  TableApi,
} from "@dockstat/plugin-schema"

import { callHook, callHookShared, hookFailedError, implementedHooks, routeLookup, routeNotFoundError, routeTimeoutError, unloadedError } from "./runtime-core.ts"
import type { HookFunction } from "./runtime-core.ts"

export interface InlineInstanceOptions {
  ref: PluginRef
  definition: PluginDefinition
  table: TableApi | null
  logger: Logger
  /** Undone last-in-first-out by dispose(). */
  disposers?: (() => void | Promise<void>)[]
  /**
   * A route that has not answered by then gets a 504 (default 10 s). Inline code cannot be stopped: the
   * chain runs on in the background, and a synchronous endless loop blocks the host (use the sandbox).
   */
  timeoutMs?: number
  /** What the plugin gets as `ctx.env` (its declared `permissions.env`). */
  env?: Readonly<Record<string, string>>
}

/** The inline runtime's instance: both synchronous paths are there. */
export type InlineInstance = PluginInstance & Required<Pick<PluginInstance, "runRouteNow" | "runHookNow">>

const DONE: Promise<void> = Promise.resolve()
const nothing = (): void => {}

/** A chain that went async, with the route's deadline (a module function: one per instance would be 1000 at a start). */
function withTimeout(chain: PromiseLike<unknown>, call: { ref: PluginRef; routeKey: string; names: readonly string[]; progress: { index: number }; timeoutMs: number }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(routeTimeoutError(call.ref, call.routeKey, call.timeoutMs, call.names[call.progress.index])), call.timeoutMs)
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
}

/**
 * A plugin running in the host process: fastest, and trusted. The route table and the action map are
 * fixed at load; a request costs one Map lookup before the chain runs.
 */
export function createInlineInstance(options: InlineInstanceOptions): InlineInstance {
  const { ref, definition, table, logger } = options
  const routes: readonly RouteDescriptor[] = Object.freeze(routesFromConfig(definition.config?.apiRoutes))
  const lookup = routeLookup(routes)
  const actions: Record<string, Action> = definition.config?.actions ?? {}
  const events = (definition.events ?? {}) as Partial<Record<HookName, HookFunction>>
  const hooks = Object.freeze(implementedHooks(events))
  const disposers = [...(options.disposers ?? [])]
  const timeoutMs = options.timeoutMs ?? 10_000
  const env = options.env ?? Object.freeze({})
  let disposed = false

  const instance: InlineInstance = Object.freeze({
    id: ref.id,
    name: ref.name,
    version: ref.version,
    runtime: "inline" as const,
    routes,
    hooks,
    table,
    logger,
    loadedAt: new Date(),
    // A copy: plugin code keeps its own object and may change it; the host shows what was validated.
    frontend: definition.config?.frontend === undefined ? null : (JSON.parse(JSON.stringify(definition.config.frontend)) as PluginFrontendConfig),
    runRoute(routeKey: string, input: RouteInput): Promise<unknown> {
      try {
        return Promise.resolve(instance.runRouteNow(routeKey, input))
      } catch (error) {
        return Promise.reject(error)
      }
    },
    runRouteNow(routeKey: string, input: RouteInput): unknown {
      if (disposed) throw unloadedError(ref)
      const route = lookup(routeKey)
      if (route === undefined) throw routeNotFoundError(ref, routeKey)
      const progress = { index: 0 }
      const result = runActionChainNow({
        actions,
        names: route.actions,
        context: { logger, table, body: input.body, previousAction: undefined, params: input.params, query: input.query, headers: input.headers, method: input.method, path: input.path, plugin: ref, env },
        progress,
        fresh: true,
      })
      // A chain that answered synchronously needs no timer; one that went async gets the deadline.
      return isThenable(result) ? withTimeout(result, { ref, routeKey, names: route.actions, progress, timeoutMs }) : result
    },
    runHook(hook: HookName, payload: Record<string, unknown>): Promise<void> {
      try {
        return instance.runHookNow(hook, payload) ?? DONE
      } catch (error) {
        return Promise.reject(error)
      }
    },
    // A hook that answers synchronously (most do) costs no Promise; one it returns is awaited.
    runHookNow(hook: HookName, payload: Record<string, unknown>, share?: HookShare): Promise<void> | undefined {
      if (disposed) throw unloadedError(ref)
      const handler = events[hook]
      if (typeof handler !== "function") return undefined
      let result: unknown
      try {
        // The seed's hand-written loop passes its own logger and table; otherwise the plugin's are used.
        const server = { logger: (payload.logger as Logger | undefined) ?? logger, table: (payload.table as TableApi | null | undefined) ?? table, env }
        result = share === undefined ? callHook(handler, hook, payload, server) : callHookShared(handler, hook, payload, server, share)
      } catch (error) {
        throw hookFailedError(ref, hook, error)
      }
      if (!isThenable(result)) return undefined
      return Promise.resolve(result).then(nothing, (error: unknown) => {
        throw hookFailedError(ref, hook, error)
      })
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
