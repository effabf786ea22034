/**
 * What every runtime (inline, worker, sandbox) shares: route lookup, the errors a runtime raises itself
 * (unknown route, unloaded, timeout), hook-error wrapping, rebuilding an error that crossed a boundary,
 * and the action context. One implementation, so the same plugin fails with the same message wherever
 * it runs. Free of Node built-ins: the sandbox's guest bundle includes it.
 */
import { ERROR_STATUS, PluginError, errorMessage, hookSubject, isPluginError, isUpstreamHookName } from "@dockstat/plugin-schema"

import type { ErrorCode, HookName, HookShare, PluginRef, RouteDescriptor, ServerContext } from "@dockstat/plugin-schema"

function who(ref: PluginRef) {
  return { pluginId: ref.id, plugin: ref.name }
}

export function routeNotFoundError(ref: PluginRef, routeKey: string): PluginError {
  return new PluginError("ROUTE_NOT_FOUND", `Plugin "${ref.name}" has no route "${routeKey}"`, who(ref))
}

export function unloadedError(ref: PluginRef): PluginError {
  return new PluginError("PLUGIN_NOT_LOADED", `Plugin "${ref.name}" is unloaded`, who(ref))
}

/** A route whose chain did not answer in time; names the action it was stuck in when known. */
export function routeTimeoutError(ref: PluginRef, routeKey: string, timeoutMs: number, action: string | undefined): PluginError {
  const stuck = action === undefined ? "" : ` (stuck in action "${action}")`
  return new PluginError("ACTION_TIMEOUT", `Route "${routeKey}" of plugin "${ref.name}" did not finish within ${timeoutMs} ms${stuck}`, {
    ...who(ref),
    ...(action === undefined ? {} : { action }),
  })
}

export function hookTimeoutError(ref: PluginRef, hook: HookName, timeoutMs: number): PluginError {
  return new PluginError("HOOK_TIMEOUT", `Hook "${hook}" of plugin "${ref.name}" did not finish within ${timeoutMs} ms`, { ...who(ref), hook })
}

/** A hook that threw or rejected: one message shape in every runtime. A hook error already wrapped stays as it is. */
export function hookFailedError(ref: PluginRef, hook: HookName, error: unknown): PluginError {
  if (isPluginError(error) && error.hook !== undefined) return error
  return new PluginError("HOOK_FAILED", `Hook "${hook}" of plugin "${ref.name}" failed: ${errorMessage(error)}`, { ...who(ref), hook, cause: error })
}

/** A PluginError as plain data, to cross a thread or sandbox boundary. */
export interface SerializedError {
  code: string
  message: string
  plugin?: string
  action?: string
  hook?: string
  headers?: Record<string, string>
  data?: Record<string, unknown>
}

export function serializeError(error: unknown, ref: PluginRef): SerializedError {
  if (!isPluginError(error)) return { code: "ACTION_FAILED", message: errorMessage(error), plugin: ref.name }
  const out: SerializedError = { code: error.code, message: error.message }
  if (error.plugin !== undefined) out.plugin = error.plugin
  if (error.action !== undefined) out.action = error.action
  if (error.hook !== undefined) out.hook = error.hook
  if (error.headers !== undefined) out.headers = error.headers
  if (error.data !== undefined) out.data = error.data
  return out
}

const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((item) => typeof item === "string")

/**
 * An error that came back from plugin code, as the host's PluginError. Nothing in it is trusted: an
 * unknown code becomes ACTION_FAILED, the plugin id is the host's, and odd fields are dropped.
 */
export function rebuildError(error: SerializedError, ref: PluginRef): PluginError {
  const code = (typeof error.code === "string" && Object.hasOwn(ERROR_STATUS, error.code) ? error.code : "ACTION_FAILED") as ErrorCode
  return new PluginError(code, typeof error.message === "string" ? error.message : `Plugin "${ref.name}" failed`, {
    ...who(ref),
    ...(typeof error.action === "string" ? { action: error.action } : {}),
    ...(typeof error.hook === "string" ? { hook: error.hook } : {}),
    ...(isStringRecord(error.headers) ? { headers: error.headers } : {}),
    ...(typeof error.data === "object" && error.data !== null && !Array.isArray(error.data) ? { data: error.data } : {}),
  })
}

/** A plugin's routes by key, fixed at load: a request costs one Map lookup. */
export function routeLookup(routes: readonly RouteDescriptor[]): (routeKey: string) => RouteDescriptor | undefined {
  const byKey = new Map(routes.map((route) => [route.key, route]))
  return (routeKey) => byKey.get(routeKey)
}

/**
 * Calls a plugin's hook the way its name asks, in every runtime alike. An upstream name
 * (`"container:started"`) gets the context as emitted and `{ table, logger }` last. A seed name gets the
 * seed's `{ ...payload, table, logger }` and the same `{ table, logger }` second, so a seed-named hook
 * written in upstream's form (`onContainerStart: (container, { logger }) => ...`, as plugin-builder's
 * docs show it) gets its logger too; its first argument also holds the subject's own fields under the
 * seed's keys, so `container.id` is the container's id in both forms. `logger` and `table` in the payload
 * (the seed's hand-written loop passes them) are the caller's to put into `server`, never context.
 */
export function callHook(handler: HookFunction, hook: HookName, payload: Record<string, unknown>, server: ServerContext): unknown {
  const call = handler as (context: unknown, server: ServerContext) => unknown
  const { upstream, fields, plain } = contextParts(hook, payload)
  // The common case without a spread: on Node 20, V8 adds each property written after an object spread
  // through a slow path (~1 us apiece); Object.assign does not. Same objects, same key order as the
  // spread below, which handles the rest (Object.assign would turn a `__proto__` own key into the prototype).
  if (plain) return call(upstream ? Object.assign({}, payload) : Object.assign({}, fields, payload, server), server)
  const { logger: _logger, table: _table, env: _env, ...context } = payload
  if (upstream) return call(context, server)
  return call({ ...fields, ...context, ...server }, server)
}

/**
 * What a hook's context is made of: whether the hook has an upstream name, the subject's own fields a
 * seed-named hook also gets, and whether the payload is plain (no server keys, no `__proto__` own key in
 * it or the subject), so the context can be built without a spread.
 */
function contextParts(hook: HookName, payload: Record<string, unknown>): { upstream: boolean; fields: Record<string, unknown> | undefined; plain: boolean } {
  const upstream = isUpstreamHookName(hook)
  const key = upstream ? undefined : hookSubject(hook)
  const subject = key === undefined ? undefined : payload[key]
  const fields = subject !== null && typeof subject === "object" && !Array.isArray(subject) ? (subject as Record<string, unknown>) : undefined
  const plain = !hasServerOrProtoKey(payload) && (fields === undefined || !Object.hasOwn(fields, "__proto__"))
  return { upstream, fields, plain }
}

/** What the inline runtime's hook contexts of one dispatch share (kept in its `HookShare`). */
interface SharedContext {
  hook: HookName
  upstream: boolean
  /** The context without the plugin's own parts (server keys present, undefined); null: build each with callHook. */
  base: Record<string, unknown> | null
}

/**
 * `callHook` for one of many plugins called with one payload (an `emit()`): the part of the context all
 * of them get is built once per dispatch, and each plugin gets a copy of it (a plain clone, ~4x cheaper
 * than copying the payload again) with its own logger, table and env stored in. Same context, same key
 * order as callHook's.
 */
export function callHookShared(handler: HookFunction, hook: HookName, payload: Record<string, unknown>, server: InlineServer, share: HookShare): unknown {
  let shared = share.inlineContext as SharedContext | undefined
  if (shared === undefined || shared.hook !== hook) {
    shared = sharedContext(hook, payload)
    share.inlineContext = shared
  }
  if (shared.base === null) return callHook(handler, hook, payload, server)
  const call = handler as (context: unknown, server: ServerContext) => unknown
  const context = { ...shared.base }
  if (shared.upstream) return call(context, server)
  context.logger = server.logger
  context.table = server.table
  context.env = server.env
  return call(context, server)
}

/** The server part of an inline plugin's hook call. */
export interface InlineServer extends ServerContext {
  env: Readonly<Record<string, string>>
}

function sharedContext(hook: HookName, payload: Record<string, unknown>): SharedContext {
  const { upstream, fields, plain } = contextParts(hook, payload)
  if (!plain) return { hook, upstream, base: null }
  const base = upstream ? Object.assign({}, payload) : Object.assign({}, fields, payload, { logger: undefined, table: undefined, env: undefined })
  return { hook, upstream, base }
}

function hasServerOrProtoKey(payload: Record<string, unknown>): boolean {
  return Object.hasOwn(payload, "logger") || Object.hasOwn(payload, "table") || Object.hasOwn(payload, "env") || Object.hasOwn(payload, "__proto__")
}

/** A plugin's hook of either naming style, as the runtimes hold it. */
export type HookFunction = (...args: never[]) => unknown

/** The hooks a definition implements, in catalog order of appearance. */
export function implementedHooks(events: Record<string, unknown> | undefined): HookName[] {
  return Object.keys(events ?? {}).filter((hook) => typeof events?.[hook] === "function") as HookName[]
}

/**
 * The environment a plugin declared (`permissions.env`): just those names, from the host's environment.
 * A name that is not set is left out.
 */
export function declaredEnv(names: readonly string[], source: Record<string, string | undefined>): Readonly<Record<string, string>> {
  const env: Record<string, string> = {}
  for (const name of names) {
    const value = source[name]
    if (value !== undefined) env[name] = value
  }
  return Object.freeze(env)
}

/** What a contained runtime is doing: serving, waiting to restart after a crash, stopped for good. */
export type ContainedState = "running" | "restarting" | "failed" | "stopped"

/** A crash of a contained runtime as `onCrash` hears it: why, and whether the plugin restarts or is now failed. */
export interface CrashReport {
  reason: string
  state: "restarting" | "failed"
  restarts: number
}

/** The health a contained runtime (worker, sandbox) reports in `getStatus()`. */
export interface ContainedHealth {
  readonly state: ContainedState
  readonly restarts: number
  readonly lastError: string | null
}

/**
 * The crash policy of the contained runtimes (worker, sandbox): a crash restarts the plugin on its next
 * call, until `maxCrashes` crashes within `crashWindowMs` mark it failed (503 until it is reloaded).
 */
export function crashPolicy(options: { maxCrashes: number; crashWindowMs: number }): (now: number) => "restarting" | "failed" {
  const crashes: number[] = []
  return (now) => {
    crashes.push(now)
    while (crashes.length > 0 && (crashes[0] as number) < now - options.crashWindowMs) crashes.shift()
    return crashes.length >= options.maxCrashes ? "failed" : "restarting"
  }
}

/** The error of a plugin a crash policy marked failed. */
export function crashedTooOftenError(ref: PluginRef, options: { maxCrashes: number; crashWindowMs: number }, lastError: string | null): PluginError {
  return new PluginError(
    "PLUGIN_NOT_LOADED",
    `Plugin "${ref.name}" crashed ${options.maxCrashes} times within ${options.crashWindowMs} ms and is stopped (last: ${lastError}); reload it to try again`,
    who(ref),
  )
}
