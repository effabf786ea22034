/**
 * Runs inside a plugin's worker thread: imports the plugin, opens its own connection to the database
 * file, and runs whole action chains and hooks on request, so a request costs one message each way.
 * Kept lean on purpose (no zod, no drizzle): the host validates the module's shape and plans its table.
 */
import { createRequire } from "node:module"
import { parentPort, workerData } from "node:worker_threads"
import { errorMessage, isThenable } from "@dockstat/plugin-schema"
import { createPluginTableApi } from "@dockstat/plugin-store"
import { runActionChainNow } from "@dockstat/plugin-router"

import type { Action, HookName, Logger, PluginDefinition, TableApi } from "@dockstat/plugin-schema"

import { describeShape } from "./module-shape.ts"
import { callHook, serializeError } from "./runtime-core.ts"
import type { HookFunction } from "./runtime-core.ts"
import { withThrowLocation } from "./throw-location.ts"
import { hardenWorker } from "./worker-harden.ts"
import { LOG_LEVELS, MAX_LOG_ARGS } from "./worker-protocol.ts"
import type { CallMessage, HostMessage, LogLevelName, ResultMessage, SerializedError, WorkerData, WorkerMessage } from "./worker-protocol.ts"

const port = parentPort
if (!port) throw new Error("worker-main must run in a worker thread")
const data = workerData as WorkerData
const progress = new Int32Array(data.progress)
const nodeRequire = createRequire(import.meta.url)
// Before any plugin code runs: what this runtime captured above stays usable, the plugin gets the locked process.
const hardening = hardenWorker({ plugin: data.ref.name, grantModules: data.grantModules, sdkUrl: data.sdkUrl })

function post(message: WorkerMessage): void {
  try {
    port?.postMessage(message)
  } catch (error) {
    // A value structured clone cannot copy (a function, a class instance with private state...).
    if (message.type === "result" && message.ok) {
      port?.postMessage({
        type: "result",
        id: message.id,
        ok: false,
        error: { code: "ACTION_FAILED", message: `Plugin "${data.ref.name}" returned a value that cannot be sent to the host: ${errorMessage(error)}` },
      } satisfies WorkerMessage)
    } else if (message.type === "log") {
      port?.postMessage({ type: "log", level: message.level, args: message.args.map((arg) => (typeof arg === "string" ? arg : String(arg))) } satisfies WorkerMessage)
    } else {
      throw error
    }
  }
}

function makeLogger(): Logger {
  const logger = {} as Record<LogLevelName, (...args: unknown[]) => void>
  for (const [level, value] of Object.entries(LOG_LEVELS) as [LogLevelName, number][]) {
    logger[level] = value < data.logLevel ? () => {} : (...args: unknown[]) => post({ type: "log", level, args: args.slice(0, MAX_LOG_ARGS) })
  }
  return logger
}

const serialize = (error: unknown): SerializedError => serializeError(error, data.ref)
/** Where the host reads which action a timed-out chain was in. */
const storeProgress = (index: number) => void Atomics.store(progress, 0, index)

const logger = makeLogger()
let definition: PluginDefinition = {}
let table: TableApi | null = null
let routes = new Map<string, readonly string[]>()

/**
 * A data: URL needs no file and imports in well under a millisecond; it stays in this thread's module
 * cache, which ends with the thread.
 */
async function importSource(source: string): Promise<Record<string, unknown>> {
  return (await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`)) as Record<string, unknown>
}

async function importModule(): Promise<Record<string, unknown>> {
  try {
    return await importSource(data.source)
  } catch (error) {
    if (data.fallbackSource !== null && /Identifier 'column' has already been declared/.test(errorMessage(error))) return importSource(data.fallbackSource)
    throw error
  }
}

try {
  const namespace = await importModule()
  definition = (namespace.default ?? {}) as PluginDefinition
  post({ type: "imported", shape: describeShape(namespace.default === undefined ? null : { value: namespace.default }) })
} catch (error) {
  const inPlugin = (file: string) => file.startsWith("data:text/javascript;")
  post({ type: "load-error", message: withThrowLocation(errorMessage(error), (error as { stack?: unknown } | null)?.stack, inPlugin) })
  // Nothing else to do: the host ends this worker.
  await new Promise(() => {})
}

const actions: Record<string, Action> = definition.config?.actions ?? {}
const events = (definition.events ?? {}) as Partial<Record<HookName, HookFunction>>

/** Runs one route or hook: its answer at once when it answered synchronously, else a Promise of it. */
function runCall(message: CallMessage): ResultMessage | Promise<ResultMessage> {
  if (message.type === "route") {
    const names = routes.get(message.key)
    try {
      if (!names) throw new Error(`no route "${message.key}"`)
      const { input } = message
      const result = runActionChainNow({
        actions,
        names,
        context: { logger, table, body: input.body, params: input.params, query: input.query, headers: input.headers, method: input.method, path: input.path, plugin: data.ref },
        onAction: storeProgress,
      })
      // A chain that answered synchronously is answered in the same turn: no Promise, no microtask.
      if (!isThenable(result)) return { type: "result", id: message.id, ok: true, value: result }
      return Promise.resolve(result).then(
        (value): ResultMessage => ({ type: "result", id: message.id, ok: true, value }),
        (error: unknown): ResultMessage => ({ type: "result", id: message.id, ok: false, error: serialize(error) }),
      )
    } catch (error) {
      return { type: "result", id: message.id, ok: false, error: serialize(error) }
    }
  }
  const failed = (error: unknown): ResultMessage => ({ type: "result", id: message.id, ok: false, error: { ...serialize(error), code: "HOOK_FAILED", hook: message.hook } })
  try {
    const handler = events[message.hook]
    const result = typeof handler === "function" ? callHook(handler, message.hook, message.payload, { logger, table }) : undefined
    const done: ResultMessage = { type: "result", id: message.id, ok: true, value: undefined }
    return isThenable(result) ? Promise.resolve(result).then(() => done, failed) : done
  } catch (error) {
    return failed(error)
  }
}

function answer(result: ResultMessage | Promise<ResultMessage>): void {
  if (isThenable(result)) void result.then(post)
  else post(result)
}

/**
 * A batch (the calls the host sent in one turn, one wake-up of this thread): the answers ready at once go
 * back in one message, so the host wakes once for them (answering each on its own measured 0.53x a bare
 * route against 0.63-0.74x). Between calls, answers that have waited over a millisecond go out, so one
 * answer waits at most for the call that runs after it; calls that went async answer on their own.
 */
function runBatch(calls: readonly CallMessage[]): void {
  let ready: ResultMessage[] = []
  let since = 0
  for (const call of calls) {
    if (ready.length > 0 && performance.now() - since > 1) {
      postAnswers(ready)
      ready = []
    }
    const result = runCall(call)
    if (isThenable(result)) answer(result)
    else if (ready.push(result) === 1) since = performance.now()
  }
  postAnswers(ready)
}

function postAnswers(results: ResultMessage[]): void {
  if (results.length === 1) post(results[0] as ResultMessage)
  else if (results.length > 1) {
    try {
      port?.postMessage({ type: "results", results } satisfies WorkerMessage)
    } catch {
      // One value structured clone cannot copy: each answer on its own, the bad one as an error.
      for (const result of results) post(result)
    }
  }
}

function start(message: Extract<HostMessage, { type: "start" }>): void {
  try {
    routes = new Map(message.routes.map((route) => [route.key, route.actions]))
    const config = message.table
    if (config) {
      // Loaded only by plugins that have a table; synchronously, so plugin code cannot use the open dlopen.
      const Database = hardening.withNative(() => nodeRequire(data.libsqlPath) as typeof import("libsql"))
      const client = new Database(data.dbPath)
      client.exec("PRAGMA busy_timeout = 5000")
      client.exec("PRAGMA foreign_keys = ON")
      table = createPluginTableApi(client, config)
    }
    post({ type: "ready" })
  } catch (error) {
    post({ type: "load-error", message: errorMessage(error) })
  }
}

port.on("message", (message: HostMessage) => {
  if (message.type === "batch") runBatch(message.calls)
  else if (message.type === "start") start(message)
  else answer(runCall(message))
})
