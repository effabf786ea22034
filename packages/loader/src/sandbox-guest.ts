/**
 * The runtime inside a plugin's sandbox (QuickJS). Bundled by esbuild into one script the host runs in
 * every sandbox before the plugin: it installs the authority-free globals and the SDK, then hands the
 * host an object to call. Route chains run here, through the same runner and errors as every runtime.
 */
import { PluginError, column, definePlugin, isPluginError, isReply, isThenable, reply } from "@dockstat/plugin-schema"
import { runActionChainNow } from "@dockstat/plugin-router"

import type { Action, EventHandler, HookName, Logger, PluginRef, RouteDescriptor, TableApi } from "@dockstat/plugin-schema"

import { describeShape } from "./module-shape.ts"
import { hookFailedError, routeNotFoundError, serializeError } from "./runtime-core.ts"
import { decodeValue, encodeGuestValue as encodeValue, installGuestTags } from "./sandbox-codec.ts"
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

root[Symbol.for("dockstat.sdk") as unknown as string] = Object.freeze({ column, reply, isReply, definePlugin, PluginError, isPluginError })

function tableFor(config: { name: string; columns: string[] }): TableApi {
  const run = (ops: TableOp[]): unknown => {
    const answer = decodeValue(host.table(encodeValue(ops))) as { ok: true; value: unknown } | { ok: false; error: TableCallError }
    if (!answer.ok) {
      const { code, message, headers, data } = answer.error
      throw new PluginError((code as never) ?? "TABLE_ERROR", message, { ...(headers ? { headers } : {}), ...(data ? { data } : {}) })
    }
    return answer.value
  }
  class Query {
    readonly ops: TableOp[]
    constructor(ops: TableOp[]) {
      this.ops = ops
    }
  }
  const proto = Query.prototype as unknown as Record<string, unknown>
  for (const method of CHAIN_METHODS) {
    proto[method] = function (this: Query, ...args: unknown[]) {
      return new Query([...this.ops, [method, args]])
    }
  }
  for (const method of QUERY_TERMINALS) {
    proto[method] = function (this: Query, ...args: unknown[]) {
      return run([...this.ops, [method, args]])
    }
  }
  const table: Record<string, unknown> = { name: config.name, columns: Object.freeze([...config.columns]) }
  for (const method of CHAIN_METHODS) table[method] = (...args: unknown[]) => new Query([[method, args]])
  for (const method of TABLE_TERMINALS) table[method] = (...args: unknown[]) => run([[method, args]])
  return Object.freeze(table) as unknown as TableApi
}

let actions: Record<string, Action> = {}
let events: Partial<Record<HookName, EventHandler>> = {}
let routes = new Map<string, readonly string[]>()
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
    return encodeValue({ ok: true, value })
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
    const definition = namespace?.default as { config?: { actions?: Record<string, Action> }; events?: Partial<Record<HookName, EventHandler>> } | undefined
    actions = definition?.config?.actions ?? {}
    events = definition?.events ?? {}
    return JSON.stringify(describeShape(definition === undefined ? null : { value: definition }))
  },
  start(text: string): void {
    const config = decodeValue(text) as { routes: RouteDescriptor[]; table: { name: string; columns: string[] } | null }
    routes = new Map(config.routes.map((route) => [route.key, route.actions]))
    table = config.table ? tableFor(config.table) : null
  },
  runRoute(key: string, text: string, call: number): string | Promise<string> {
    const names = routes.get(key)
    if (names === undefined) return fail(routeNotFoundError(ref, key))
    try {
      const input = decodeValue(text) as { method: never; path: string; params: Record<string, string>; query: Record<string, string | string[]>; body: unknown }
      const result = runActionChainNow({
        actions,
        names,
        context: { logger: logger as unknown as Logger, table, body: input.body, params: input.params, query: input.query, headers: lazyHeaders(call), method: input.method, path: input.path, plugin: ref, env },
        progress,
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
      const result = handler({ ...payload, logger: logger as unknown as Logger, table, env })
      return isThenable(result) ? Promise.resolve(result).then(() => ok(undefined), wrap) : ok(undefined)
    } catch (error) {
      return wrap(error)
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
