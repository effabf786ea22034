import { Worker } from "node:worker_threads"
import { PluginError, errorMessage, isPluginError } from "@dockstat/plugin-schema"

import type { HookName, Logger, PluginInstance, PluginRef, RouteDescriptor, RouteInput, TableApi, TableConfig } from "@dockstat/plugin-schema"

import { routesFromConfig } from "@dockstat/plugin-router"

import { loadFailed } from "./errors.ts"
import { crashPolicy, crashedTooOftenError, hookFailedError, hookTimeoutError, rebuildError, routeNotFoundError, routeTimeoutError, unloadedError } from "./runtime-core.ts"
import type { ContainedHealth, ContainedState, CrashReport } from "./runtime-core.ts"
import { reviveShape } from "./module-shape.ts"
import type { Shape } from "./module-shape.ts"
import { validatePluginModule } from "./validate-module.ts"
import { prepareModuleSource } from "./module-source.ts"
import { workerBundle } from "./worker-bundle.ts"
import type { WorkerBundle } from "./worker-bundle.ts"
import { DYNAMIC_IMPORT_GUARD } from "./worker-harden.ts"
import { workerMessageProblem } from "./worker-message.ts"
import { LOG_LEVELS } from "./worker-protocol.ts"
import type { CallMessage, HostMessage, LogLevelName, ModuleSummary, ResultMessage, WorkerData, WorkerMessage } from "./worker-protocol.ts"


export interface WorkerLimits {
  /** Time a route's whole action chain, or a hook, may take before the worker is ended (default 10 s). */
  timeoutMs?: number
  /** Heap cap of the worker (default 64 MiB); a plugin that grows past it is ended. */
  maxHeapMb?: number
  /** Crashes (exit, uncaught error, timeout, memory) within `crashWindowMs` before the plugin is marked failed (default 3). */
  maxCrashes?: number
  crashWindowMs?: number
}

export interface WorkerInstanceOptions extends WorkerLimits {
  ref: PluginRef
  code: string
  dbPath: string
  logger: Logger
  /** pino level number of the plugin logger: calls below it are dropped in the worker. */
  logLevel?: number
  /** Refused built-ins (`node:child_process`, ...: see module-policy.ts) the admin granted this plugin. */
  grantModules?: readonly string[]
  /**
   * Makes the table the module declares ready (host side: drizzle-kit diff, ownership) and returns the
   * host's table API for it. Called once, after the worker imported the module and before it opens the table.
   */
  prepareTable: (config: TableConfig) => Promise<TableApi>
  /** Told of each crash after it is logged (the host's activity feed); must not throw. */
  onCrash?: (crash: CrashReport) => void
}

export type WorkerState = ContainedState

/** A plugin instance running in a worker thread, with its health for `getStatus()`. */
export interface WorkerPluginInstance extends PluginInstance, ContainedHealth {
  readonly runtime: "worker"
  readonly threadId: number | null
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  timer: NodeJS.Timeout
  what: string
  actions: readonly string[]
  /** The call's own promise (dispose waits for the calls in flight). */
  promise: Promise<unknown>
}

interface Thread {
  worker: Worker
  /** What the host expects from the thread next; "ended": nothing (retired, or it broke the protocol). */
  phase: "importing" | "starting" | "serving" | "ended"
  progress: Int32Array
  pending: Map<number, Pending>
  /** Calls of this event-loop turn not sent yet: they leave together (see `send`). */
  outbox: CallMessage[]
  ready: Promise<void>
  /** Fails `ready` (a thread that ends before it was ready). */
  reject: (error: unknown) => void
}

/** Stands for a call's promise for the moment between creating its entry and the promise. */
const PENDING: Promise<unknown> = new Promise(() => {})

/** Hook payloads cross by structured clone: the host's logger and table stay home (the worker has its own). */
function clonablePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const { logger: _logger, table: _table, ...rest } = payload
  try {
    return structuredClone(rest)
  } catch {
    return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>
  }
}

/**
 * Why the worker runtime cannot start on this host, or null on Node. Bun does not enforce a worker's
 * `resourceLimits` (the heap cap), and it gives every module `require`, `import.meta.require` and the
 * `Bun` global (`Bun.spawn`), which pass by the checks that refuse `node:child_process` and the like.
 */
export function workerRuntimeUnsupported(versions: NodeJS.ProcessVersions = process.versions): string | null {
  const bun = (versions as { bun?: string }).bun
  if (bun === undefined) return null
  return (
    `the worker runtime needs Node.js: on Bun (${bun}) a worker thread's memory cap (resourceLimits) is not enforced, ` +
    "and plugin code reaches require(), import.meta.require and Bun.spawn past the worker's module checks; " +
    'run this plugin in the sandbox runtime (the default) or "inline", or run the host on Node'
  )
}

/**
 * Starts a plugin in its own worker thread and resolves once it imported, validated and opened its
 * table. A crash, a timeout, `process.exit()` or running out of memory ends only that thread: the call in
 * flight gets a clear error, the next call starts a fresh thread, and repeated crashes mark it failed.
 */
export async function createWorkerInstance(options: WorkerInstanceOptions): Promise<WorkerPluginInstance> {
  const { ref, logger } = options
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxCrashes = options.maxCrashes ?? 3
  const crashWindowMs = options.crashWindowMs ?? 60_000
  const context = { pluginId: ref.id, plugin: ref.name }
  const unsupported = workerRuntimeUnsupported()
  if (unsupported !== null) throw loadFailed(context, unsupported)

  let summary: ModuleSummary | undefined
  let table: TableApi | null = null
  let thread: Thread | undefined
  let state: WorkerState = "running"
  let restarts = 0
  let lastError: string | null = null
  const recordCrash = crashPolicy({ maxCrashes, crashWindowMs })
  let nextId = 0
  /** The first thread was ready: a broken thread from now on is a crash, before it a failed load. */
  let started = false
  let bundle: WorkerBundle
  try {
    bundle = await workerBundle()
  } catch (error) {
    throw loadFailed(context, `could not build the worker runtime: ${errorMessage(error)}`, error)
  }
  // Imports are checked and rewritten here, where the lexer is warm; the worker only imports the result.
  let source: string
  let fallbackSource: string | null = null
  try {
    const prepare = { sdkUrl: bundle.sdkUrl, dynamicImportGuard: DYNAMIC_IMPORT_GUARD, ...(options.grantModules === undefined ? {} : { grantModules: options.grantModules }) }
    const prepared = await prepareModuleSource(options.code, prepare)
    source = prepared.source
    if (prepared.injectedColumn) fallbackSource = (await prepareModuleSource(options.code, { ...prepare, injectColumn: false })).source
  } catch (error) {
    throw loadFailed(context, errorMessage(error), error)
  }

  /** First start: validate the module and prepare its table. A restart reuses what the first start found. */
  const startThread = async (worker: Worker, shape: Shape): Promise<void> => {
    if (summary === undefined) {
      const definition = validatePluginModule({ default: (reviveShape(shape) as { value?: unknown } | null)?.value })
      const tableConfig = definition.config?.table ?? null
      summary = {
        routes: routesFromConfig(definition.config?.apiRoutes),
        hooks: Object.keys(definition.events ?? {}) as HookName[],
        table: tableConfig,
        frontend: definition.config?.frontend ?? null,
      }
      if (tableConfig) table = await options.prepareTable(tableConfig)
    }
    worker.postMessage({ type: "start", routes: summary.routes, table: summary.table } satisfies HostMessage)
  }

  const spawn = (): Thread => {
    const progress = new SharedArrayBuffer(4)
    const data: WorkerData = {
      source,
      fallbackSource,
      ref,
      dbPath: options.dbPath,
      logLevel: options.logLevel ?? LOG_LEVELS.info,
      progress,
      grantModules: [...(options.grantModules ?? [])],
      sdkUrl: bundle.sdkUrl,
      libsqlPath: bundle.libsqlPath,
    }
    const worker = new Worker(bundle.workerUrl, {
      workerData: data,
      // Plain Node: the bundle is JavaScript, and a TypeScript loader inherited from the host would
      // start a loader thread for every worker.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      name: `plugin:${ref.name}`,
    })
    const pending = new Map<number, Pending>()
    let settleReady: { resolve: () => void; reject: (error: unknown) => void } | undefined
    const ready = new Promise<void>((resolve, reject) => {
      settleReady = { resolve, reject }
    })
    ready.catch(() => {})
    const current: Thread = { worker, phase: "importing", progress: new Int32Array(progress), pending, outbox: [], ready, reject: (error) => settleReady?.reject(error) }

    /** A message the protocol does not allow ends the thread (and fails the load or the calls in flight), never the host. */
    const malformed = (problem: string) => {
      if (current.phase === "ended" || thread !== current) return
      const reason = `sent a malformed message (${problem}); its thread was ended`
      logger.error({ plugin: ref.name, problem }, `Plugin "${ref.name}" ${reason}`)
      if (started) retire(current, reason)
      else current.reject(new Error(`plugin "${ref.name}" ${reason}`))
      current.phase = "ended"
      void worker.terminate()
    }
    const log = (message: { level: LogLevelName; args: unknown[] }) => {
      try {
        ;(logger[message.level] as (...args: unknown[]) => void)(...message.args)
      } catch (error) {
        malformed(`a log the host logger cannot write: ${errorMessage(error)}`)
      }
    }

    worker.on("messageerror", (error) => malformed(`a message that cannot be read: ${errorMessage(error)}`))
    worker.on("message", (value: unknown) => {
      const problem = workerMessageProblem(value)
      const message = value as WorkerMessage
      // A retired thread may still flush its logs; anything else from it is stale.
      if (current.phase === "ended" || thread !== current) {
        if (problem === null && message.type === "log") log(message)
        return
      }
      if (problem !== null) return malformed(problem)
      switch (message.type) {
        case "log":
          log(message)
          return
        case "imported":
          if (current.phase !== "importing") return malformed("imported sent twice")
          current.phase = "starting"
          // Checked on the host, with the same schema as the inline runtime: the worker stays free of zod.
          void startThread(worker, message.shape).catch((error: unknown) => settleReady?.reject(error))
          return
        case "ready":
          if (current.phase !== "starting") return malformed(`ready while ${current.phase}`)
          current.phase = "serving"
          settleReady?.resolve()
          return
        case "load-error":
          if (current.phase === "serving") return malformed("load-error while serving")
          settleReady?.reject(new Error(message.message))
          return
        case "result":
          settle(message)
          return
        case "results":
          for (const result of message.results) if (!settle(result)) return
      }
    })
    /** Settles the call a result answers; false (and the thread ended) for a result of no call in flight. */
    const settle = (message: ResultMessage): boolean => {
      const call = pending.get(message.id)
      if (current.phase !== "serving" || !call) {
        malformed(`a result for call ${message.id}, which is not in flight`)
        return false
      }
      pending.delete(message.id)
      clearTimeout(call.timer)
      if (message.ok) call.resolve(message.value)
      else call.reject(rebuildError(message.error, ref))
      return true
    }
    const ended = (reason: string) => retire(current, reason)
    worker.on("error", (error) => {
      const code = (error as { code?: string }).code
      ended(code === "ERR_WORKER_OUT_OF_MEMORY" ? "ran out of memory (worker heap limit reached)" : `crashed: ${errorMessage(error)}`)
    })
    worker.on("exit", (exitCode) => ended(`exited (code ${exitCode})`))
    thread = current
    return current
  }

  /**
   * Takes a thread out of service: calls in flight on it fail with the reason, and the crash counts
   * towards marking the plugin failed. The next call starts a fresh thread.
   */
  const retire = (current: Thread, reason: string) => {
    if (thread !== current) return
    thread = undefined
    current.phase = "ended"
    current.reject(new Error(reason))
    for (const [, call] of current.pending) {
      clearTimeout(call.timer)
      call.reject(new PluginError("ACTION_FAILED", `Plugin "${ref.name}" ${reason} while running ${call.what}`, { ...context }))
    }
    current.pending.clear()
    if (state === "stopped") return
    lastError = reason
    state = recordCrash(Date.now())
    if (state === "failed") logger.error({ maxCrashes, windowMs: crashWindowMs, reason }, "plugin worker crashed too often; marked failed")
    else logger.warn({ reason }, "plugin worker ended; it restarts on the next call")
    options.onCrash?.({ reason, state, restarts })
  }

  const live = async (): Promise<Thread> => {
    if (state === "stopped") throw unloadedError(ref)
    if (state === "failed") {
      throw crashedTooOftenError(ref, { maxCrashes, crashWindowMs }, lastError)
    }
    if (thread === undefined) {
      restarts += 1
      spawn()
    }
    const current = thread as Thread
    await current.ready
    state = "running"
    return current
  }

  /**
   * Sends a route or hook to the thread. A serving thread gets it at the end of this turn with the other
   * calls of the turn (no await before: each costs a microtask turn per request); otherwise it waits for
   * a thread to be ready.
   */
  const call = (message: CallMessage, what: string, actions: readonly string[]): Promise<unknown> => {
    const current = thread
    if (current !== undefined && current.phase === "serving" && state === "running") return send(current, message, what, actions)
    return live().then((ready) => send(ready, message, what, actions))
  }

  const send = (current: Thread, message: CallMessage, what: string, actions: readonly string[]): Promise<unknown> => {
    let entry: Pending | undefined
    const promise = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        const action = actions[Atomics.load(current.progress, 0)]
        current.pending.delete(message.id)
        // The same error every runtime gives; the log says the worker was restarted.
        const failure = message.type === "hook" ? hookTimeoutError(ref, message.hook, timeoutMs) : routeTimeoutError(ref, message.type === "route" ? message.key : what, timeoutMs, action)
        // A worker stuck in a loop never reads another message: retire it now, so the next call gets a
        // fresh thread, and end it.
        retire(current, `timed out after ${timeoutMs} ms in ${what}`)
        void current.worker.terminate()
        reject(failure)
      }, timeoutMs)
      entry = { resolve, reject, timer, what, actions, promise: PENDING }
      current.pending.set(message.id, entry)
    })
    ;(entry as Pending).promise = promise
    // Calls made in one turn leave in one message at the end of it (setImmediate: after the poll phase
    // that read the requests): each message wakes the thread and each answer wakes this loop, and those
    // wake-ups are most of what a worker route costs. One call alone still leaves as itself.
    if (current.outbox.push(message) === 1) setImmediate(flush, current)
    return promise
  }

  const flush = (current: Thread) => {
    const calls = current.outbox
    current.outbox = []
    if (current.phase === "ended") return // retired meanwhile: its calls were failed with it
    try {
      current.worker.postMessage(calls.length === 1 ? calls[0] : ({ type: "batch", calls } satisfies HostMessage))
    } catch {
      // A request or payload structured clone cannot copy: send each on its own, to fail only that one.
      for (const call of calls) {
        try {
          current.worker.postMessage(call)
        } catch (error) {
          const entry = current.pending.get(call.id)
          if (entry === undefined) continue
          clearTimeout(entry.timer)
          current.pending.delete(call.id)
          entry.reject(new PluginError("BAD_REQUEST", `Could not pass the request to plugin "${ref.name}": ${errorMessage(error)}`, { ...context }))
        }
      }
    }
  }

  const first = spawn()
  try {
    await first.ready
    started = true
  } catch (error) {
    state = "stopped"
    await first.worker.terminate()
    throw loadFailed(context, errorMessage(error), error)
  }
  const loaded = summary as ModuleSummary
  const routes: readonly RouteDescriptor[] = Object.freeze(loaded.routes)
  const byKey = new Map(routes.map((route) => [route.key, { route, what: `Route "${route.key}"` }]))
  const loadedAt = new Date()

  const instance: WorkerPluginInstance = {
    id: ref.id,
    name: ref.name,
    version: ref.version,
    runtime: "worker",
    routes,
    hooks: Object.freeze([...loaded.hooks]),
    get table() {
      return table
    },
    logger,
    loadedAt,
    frontend: loaded.frontend,
    get state() {
      return state
    },
    get restarts() {
      return restarts
    },
    get lastError() {
      return lastError
    },
    get threadId() {
      return thread?.worker.threadId ?? null
    },
    runRoute(routeKey: string, input: RouteInput) {
      const known = byKey.get(routeKey)
      if (!known) return Promise.reject(routeNotFoundError(ref, routeKey))
      nextId += 1
      return call({ type: "route", id: nextId, key: routeKey, input }, known.what, known.route.actions)
    },
    async runHook(hook: HookName, payload: Record<string, unknown>) {
      if (!instance.hooks.includes(hook)) return
      nextId += 1
      try {
        await call({ type: "hook", id: nextId, hook, payload: clonablePayload(payload) }, `Hook "${hook}"`, [])
      } catch (error) {
        // The worker sends the hook's own error; wrapped here, as every runtime wraps it.
        if (isPluginError(error) && error.code === "HOOK_FAILED") throw hookFailedError(ref, hook, new Error(error.message))
        throw error
      }
    },
    async dispose() {
      if (state === "stopped") return
      const current = thread
      // Calls in flight finish first (an update swaps versions under load), within the call timeout.
      if (current && current.pending.size > 0) {
        const settled = [...current.pending.values()].map((call) => call.promise)
        await Promise.race([Promise.allSettled(settled), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())])
      }
      state = "stopped"
      thread = undefined
      if (current) {
        for (const [, pending] of current.pending) {
          clearTimeout(pending.timer)
          pending.reject(new PluginError("PLUGIN_NOT_LOADED", `Plugin "${ref.name}" was unloaded while running ${pending.what}`, { ...context }))
        }
        current.pending.clear()
        await current.worker.terminate()
      }
    },
  }
  return instance
}
