/**
 * The runtime inside a plugin's sandbox (QuickJS). Bundled by esbuild into one script the host runs in
 * every sandbox before the plugin: it installs the authority-free globals and the SDK, then hands the
 * host an object to call. Route chains run here, through the same runner and errors as every runtime.
 */
import { PLUGIN_SDK, PluginError, isThenable } from "@dockstat/plugin-schema"
import { runActionChainNow } from "@dockstat/plugin-router"

import type { Action, HookName, Logger, PluginRef, RouteDescriptor, TableApi } from "@dockstat/plugin-schema"

import { describeShape } from "./module-shape.ts"
import { callHook, hookFailedError, routeNotFoundError, serializeError } from "./runtime-core.ts"
import type { HookFunction } from "./runtime-core.ts"
import { decodeRouteInput, decodeValue, encodeGuestOk, encodeGuestValue as encodeValue, installGuestTags } from "./sandbox-codec.ts"
import { installGlobals } from "./sandbox-guest-globals.ts"
import type { HostFunctions } from "./sandbox-guest-globals.ts"
import { CHAIN_METHODS, QUERY_TERMINALS, TABLE_TERMINALS } from "./sandbox-table.ts"
import type { TableCallError, TableOp } from "./sandbox-table.ts"

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }

const root = globalThis as unknown as Record<string, unknown>
const host = root.__dockstat_host as HostFunctions
delete root.__dockstat_host

let minLevel = 30
let ref: PluginRef = { id: 0, name: "plugin", version: "0.0.0" }
let env: Readonly<Record<string, string>> = Object.freeze({})
/** Which action the running chain is in (the host asks when a call times out). */
const progress = { index: 0 }

function plain(arg: unknown): unknown {
  if (arg instanceof Error) return { type: arg.name, message: arg.message, ...(arg.stack ? { stack: arg.stack } : {}) }
  return arg
}

const send = (level: string, args: unknown[]) => {
  if ((LEVELS[level] ?? 100) < minLevel) return
  let text: string
  try {
    text = encodeValue(args.map(plain))
  } catch {
    text = encodeValue(args.map((arg) => String(arg)))
  }
  host.log(level, text)
}

const logger = {} as Record<string, (...args: unknown[]) => void>
for (const level of Object.keys(LEVELS)) logger[level] = (...args: unknown[]) => send(level, args)

const timers = installGlobals(root, host, send)
installGuestTags()

root[Symbol.for("dockstat.sdk") as unknown as string] = PLUGIN_SDK

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)
const nullForUndefined = (value: unknown): unknown => {
  if (!isRecord(value)) return value
  let holdsUndefined = false
  for (const key in value) if (value[key] === undefined) holdsUndefined = true
  if (!holdsUndefined) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = value[key] === undefined ? null : value[key]
  return out
}

/**
 * Arguments as the host must see them. JSON drops a property whose value is undefined, and in a where
 * condition undefined means IS NULL: it travels as null, which means the same.
 */
function recorded(method: string, args: unknown[]): unknown[] {
  if (method === "where" || method === "whereRgx") return [nullForUndefined(args[0]), ...args.slice(1)]
  if (method === "deleteBatch" && Array.isArray(args[0])) return [args[0].map(nullForUndefined), ...args.slice(1)]
  if (method === "updateBatch" && Array.isArray(args[0])) {
    return [args[0].map((item) => (isRecord(item) ? { ...item, where: nullForUndefined(item.where) } : item)), ...args.slice(1)]
  }
  return args
}

function tableFor(config: { name: string; columns: string[] }): TableApi {
  const run = (ops: TableOp[]): unknown => {
    const answer = decodeValue(host.table(encodeValue(ops))) as { ok: true; value: unknown } | { ok: false; error: TableCallError }
    if (!answer.ok) {
      const { code, message, headers, data } = answer.error
      throw new PluginError((code as never) ?? "TABLE_ERROR", message, { ...(headers ? { headers } : {}), ...(data ? { data } : {}) })
    }
    return answer.value
  }
  // A query records its chain as data; its executing call sends it to the host and starts it afresh,
  // as the host's query does (DockStat's builder resets after each execution).
  class Query {
    ops: TableOp[] = []
  }
  const proto = Query.prototype as unknown as Record<string, unknown>
  for (const method of CHAIN_METHODS) {
    proto[method] = function (this: Query, ...args: unknown[]) {
      this.ops.push([method, recorded(method, args)])
      return this
    }
  }
  for (const method of QUERY_TERMINALS) {
    proto[method] = function (this: Query, ...args: unknown[]) {
      const ops = this.ops
      this.ops = []
      ops.push([method, args])
      return run(ops)
    }
  }
  const table: Record<string, unknown> = { name: config.name, columns: Object.freeze([...config.columns]) }
  for (const method of CHAIN_METHODS) {
    table[method] = (...args: unknown[]) => {
      const query = new Query()
      query.ops.push([method, recorded(method, args)])
      return query
    }
  }
  for (const method of TABLE_TERMINALS) table[method] = (...args: unknown[]) => run([[method, recorded(method, args)]])
  return Object.freeze(table) as unknown as TableApi
}

/** Compiled whereRgx patterns, by flags and source: a query on a page of rows asks for the same few again and again. */
const patterns = new Map<string, RegExp>()

let actions: Record<string, Action> = {}
let events: Partial<Record<HookName, HookFunction>> = {}
/** Each route's action names, in the order `start` got the routes: a call names its route by index. */
let routesByIndex: (readonly string[])[] = []
let table: TableApi | null = null

/** Where a lazy headers proxy keeps its call number and, once fetched, the headers. */
interface HeaderSlot {
  call: number
  headers: Record<string, string> | undefined
}

const loadHeaders = (slot: HeaderSlot): Record<string, string> => (slot.headers ??= JSON.parse(host.headers(slot.call)) as Record<string, string>)

/** One handler for every request's proxy (the interpreter pays for each closure a request would make). */
const HEADER_TRAPS: ProxyHandler<HeaderSlot> = {
  get: (slot, name) => loadHeaders(slot)[name as string],
  has: (slot, name) => name in loadHeaders(slot),
  set: (slot, name, value) => {
    loadHeaders(slot)[name as string] = value
    return true
  },
  deleteProperty: (slot, name) => delete loadHeaders(slot)[name as string],
  ownKeys: (slot) => Reflect.ownKeys(loadHeaders(slot)),
  getOwnPropertyDescriptor: (slot, name) => {
    const headers = loadHeaders(slot)
    const value = headers[name as string]
    return value === undefined && !(name in headers) ? undefined : { value, writable: true, enumerable: true, configurable: true }
  },
}

/**
 * The request's headers, fetched from the host the first time an action looks at them: most actions
 * never do, and headers are most of a request's size.
 */
function lazyHeaders(call: number): Record<string, string> {
  // The slot's own keys are configurable, so the proxy may hide them and show the headers instead.
  return new Proxy({ call, headers: undefined } as HeaderSlot, HEADER_TRAPS) as unknown as Record<string, string>
}

function ok(value: unknown): string {
  try {
    return encodeGuestOk(value)
  } catch (error) {
    return fail(new PluginError("ACTION_FAILED", `Plugin "${ref.name}" returned a value that cannot be sent to the host: ${(error as Error)?.message ?? String(error)}`))
  }
}

function fail(error: unknown): string {
  return encodeValue({ ok: false, error: serializeError(error, ref) })
}

const guest = {
  configure(text: string): void {
    const config = decodeValue(text) as { ref: PluginRef; logLevel: number; env: Record<string, string> }
    ref = Object.freeze({ ...config.ref })
    minLevel = config.logLevel
    env = Object.freeze({ ...config.env })
  },
  describe(namespace: Record<string, unknown>): string {
    const definition = namespace?.default as { config?: { actions?: Record<string, Action> }; events?: Partial<Record<HookName, HookFunction>> } | undefined
    actions = definition?.config?.actions ?? {}
    events = definition?.events ?? {}
    return JSON.stringify(describeShape(definition === undefined ? null : { value: definition }))
  },
  start(text: string): void {
    const config = decodeValue(text) as { routes: RouteDescriptor[]; table: { name: string; columns: string[] } | null }
    routesByIndex = config.routes.map((route) => route.actions)
    table = config.table ? tableFor(config.table) : null
  },
  /** `route`: the route's index in the list `start` got (a number crosses into the engine for less than a string). */
  runRoute(route: number, text: string, call: number): string | Promise<string> {
    const names = routesByIndex[route]
    if (names === undefined) return fail(routeNotFoundError(ref, `#${route}`))
    try {
      const input = decodeRouteInput(text)
      const result = runActionChainNow({
        actions,
        names,
        context: { logger: logger as unknown as Logger, table, body: input.body, previousAction: undefined, params: input.params, query: input.query, headers: lazyHeaders(call), method: input.method as never, path: input.path, plugin: ref, env },
        progress,
        fresh: true,
      })
      return isThenable(result) ? Promise.resolve(result).then(ok, fail) : ok(result)
    } catch (error) {
      return fail(error)
    }
  },
  runHook(hook: HookName, text: string): string | Promise<string> {
    const handler = events[hook]
    if (typeof handler !== "function") return ok(undefined)
    const wrap = (error: unknown) => fail(hookFailedError(ref, hook, error))
    try {
      const payload = decodeValue(text) as Record<string, unknown>
      const result = callHook(handler, hook, payload, { logger: logger as unknown as Logger, table, env })
      return isThenable(result) ? Promise.resolve(result).then(() => ok(undefined), wrap) : ok(undefined)
    } catch (error) {
      return wrap(error)
    }
  },
  /**
   * whereRgx, run here rather than on the host: `{ source, flags, values }` -> `{ ok: "0110" }` (one digit
   * per value) or `{ error }`. Called by the host while the plugin's table call is in progress, within the
   * same time slice, so a pattern that backtracks forever is interrupted like any other code of the plugin.
   */
  testRegex(text: string): string {
    try {
      const { source, flags, values } = JSON.parse(text) as { source: string; flags: string; values: string[] }
      const key = `${flags}/${source}`
      let pattern = patterns.get(key)
      if (pattern === undefined) {
        pattern = new RegExp(source, flags.replace(/[gy]/g, ""))
        if (patterns.size >= 32) patterns.clear()
        patterns.set(key, pattern)
      }
      let out = ""
      for (const value of values) out += pattern.test(value) ? "1" : "0"
      return JSON.stringify({ ok: out })
    } catch (error) {
      return JSON.stringify({ error: `whereRgx: ${(error as Error)?.message ?? String(error)}` })
    }
  },
  fireTimer(id: number): void {
    timers.fire(id)
  },
  progress(): number {
    return progress.index
  },
}

root.__dockstat_guest = guest
