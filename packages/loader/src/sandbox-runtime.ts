import { randomBytes } from "node:crypto"
import { PLUGIN_SDK_EXPORTS, PluginError, errorMessage, isPluginError } from "@dockstat/plugin-schema"
import { routesFromConfig } from "@dockstat/plugin-router"

import type { HookName, Logger, PluginFrontendConfig, PluginInstance, PluginRef, RouteDescriptor, RouteInput, TableApi, TableConfig } from "@dockstat/plugin-schema"
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core"

import { loadFailed } from "./errors.ts"
import { reviveShape } from "./module-shape.ts"
import type { Shape } from "./module-shape.ts"
import { prepareModuleSource, SDK_SPECIFIERS } from "./module-source.ts"
import { crashPolicy, crashedTooOftenError, declaredEnv, hookTimeoutError, implementedHooks, rebuildError, routeNotFoundError, routeTimeoutError, unloadedError } from "./runtime-core.ts"
import type { ContainedHealth, ContainedState, CrashReport, SerializedError } from "./runtime-core.ts"
import { sandboxGuestBundle } from "./sandbox-bundle.ts"
import { decodeValue, encodeRouteInput, encodeValue } from "./sandbox-codec.ts"
import { createSandboxFetch } from "./sandbox-fetch.ts"
import type { SandboxFetch, SandboxFetchAnswer } from "./sandbox-fetch.ts"
import { checkSandboxImports } from "./sandbox-imports.ts"
import { replayTableOps } from "./sandbox-replay.ts"
import { withThrowLocation } from "./throw-location.ts"
import type { TableCallError } from "./sandbox-table.ts"
import { newQuickJsInstance } from "./sandbox-wasm.ts"
import { validatePluginModule } from "./validate-module.ts"

export interface SandboxLimits {
  /** A route or hook that has not answered by then gets a 504; code running that long is interrupted (default 10 s). */
  timeoutMs?: number
  /** Longest the plugin may run without giving the host back its thread (default 200 ms, at most `timeoutMs`): the host stays responsive. */
  maxSliceMs?: number
  /** Memory cap of the plugin's engine, in MiB (default 64, at least 16). Past it the plugin fails alone. */
  maxMemoryMb?: number
  /** Crashes (out of memory, engine fault) within `crashWindowMs` before the plugin is marked failed (default 3). */
  maxCrashes?: number
  crashWindowMs?: number
  /** Largest response body `fetch` reads for the plugin (default 8 MiB). */
  maxFetchBytes?: number
  /** Most timers a plugin may have pending at once (default 1000). */
  maxTimers?: number
  /**
   * Largest text the plugin may hand the host at once: an answer, a log line, a table call, a fetch
   * (default 16 MiB), and most objects and arrays in it (default 200,000). The host decodes that text on
   * its own thread, outside the plugin's slice and memory cap: 15 MB of `{},` is five million objects.
   */
  maxMessageBytes?: number
  maxMessageStructures?: number
  /** Most fetches a plugin may have in flight at once (default 16). */
  maxFetches?: number
}

export interface SandboxPermissions {
  network: readonly string[]
  env: readonly string[]
}

export interface SandboxInstanceOptions extends SandboxLimits {
  ref: PluginRef
  code: string
  logger: Logger
  /** pino level number of the plugin logger: calls below it are dropped inside the sandbox. */
  logLevel?: number
  permissions?: SandboxPermissions
  /** Where `permissions.env` names are read from (default `process.env`). */
  environment?: Record<string, string | undefined>
  /** Makes the declared table ready and returns the host's table API for it (called once, on the first start). */
  prepareTable: (config: TableConfig) => Promise<TableApi>
  /** Told of each crash after it is logged (the host's activity feed); must not throw. */
  onCrash?: (crash: CrashReport) => void
}

export type SandboxState = ContainedState

export interface SandboxPluginInstance extends PluginInstance, ContainedHealth {
  readonly runtime: "sandbox"
  /** Bytes of linear memory the plugin's engine holds now (null while it is down). */
  readonly memoryBytes: number | null
  runRouteNow(routeKey: string, input: RouteInput): unknown
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"])

/** A table call's error as the guest gets it (see TableCallError): plain data, nothing of the host's realm. */
function tableCallError(error: unknown): TableCallError {
  if (!isPluginError(error)) return { code: "TABLE_ERROR", message: errorMessage(error) }
  const out: TableCallError = { code: error.code, message: error.message }
  if (error.headers !== undefined) out.headers = { ...error.headers }
  if (error.data !== undefined) out.data = { ...error.data }
  return out
}
/** The SDK module the sandbox's loader serves: the guest's copy of PLUGIN_SDK, export by export. */
const SDK_MODULE = `const sdk = globalThis[Symbol.for("dockstat.sdk")];
export const ${PLUGIN_SDK_EXPORTS.map((name) => `${name} = sdk.${name}`).join(", ")};
export default sdk;`

interface GuestFns {
  describe: QuickJSHandle
  start: QuickJSHandle
  runRoute: QuickJSHandle
  runHook: QuickJSHandle
  fireTimer: QuickJSHandle
  progress: QuickJSHandle
  testRegex: QuickJSHandle
}

interface Call {
  handle: QuickJSHandle
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  timer: NodeJS.Timeout
  what: string
  /** The timeout error, for a call that ran `ms` without an answer in engine `current`. */
  onTimeout: (ms: number, current: Engine) => PluginError
}

/** The engine of one plugin, from boot to teardown. A new one replaces it after a crash. */
interface Engine {
  runtime: QuickJSRuntime
  vm: QuickJSContext
  guest: GuestFns
  memory: WebAssembly.Memory
  maxBytes: number
  calls: Set<Call>
  timers: Map<number, NodeJS.Timeout>
  fetches: Set<AbortController>
  dead: boolean
}

/** `512 bytes`, `9.8 KiB`, `16.0 MiB`. */
const sizeText = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`)

/** A fetch's answer as the guest takes it: its text alone, or `[text, ArrayBuffer of the body]`. */
function fetchAnswerHandle(vm: QuickJSContext, answer: SandboxFetchAnswer): QuickJSHandle {
  if (answer.body === undefined) return vm.newString(answer.text)
  const pair = vm.newArray()
  try {
    const text = vm.newString(answer.text)
    vm.setProp(pair, 0, text)
    text.dispose()
    const body = answer.body
    // The engine copies what it gets. A body that is a view into a larger buffer (Node's pool holds small
    // ones next to other data) is cut out first, so only its own bytes go in; a whole buffer goes as is.
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
    const bytes = vm.newArrayBuffer(whole ? body.buffer : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength))
    vm.setProp(pair, 1, bytes)
    bytes.dispose()
    return pair
  } catch (error) {
    pair.dispose()
    throw error
  }
}

/** What the host keeps of a thrown or rejected value: a few capped strings. */
interface ThrownSummary {
  name?: string
  message: string
  stack?: string
}

const MAX_THROWN_MESSAGE = 2000
const MAX_THROWN_STACK = 16 * 1024

/**
 * A value the plugin threw or rejected with, read as name, message and stack strings, capped, and the
 * handle freed. Never `vm.dump`: that serializes the whole value to JSON and parses it on the host (a
 * plugin rejecting with a large object made the host build millions of objects), and it frees a
 * promise handle itself (a plugin throwing a promise made the host free it twice).
 */
function thrownSummary(vm: QuickJSContext, handle: QuickJSHandle): ThrownSummary {
  const capped = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}...` : text)
  const stringProp = (key: string): string | undefined => {
    const prop = vm.getProp(handle, key)
    try {
      return vm.typeof(prop) === "string" ? vm.getString(prop) : undefined
    } finally {
      prop.dispose()
    }
  }
  try {
    const type = vm.typeof(handle)
    if (type === "string") return { message: capped(vm.getString(handle), MAX_THROWN_MESSAGE) }
    if (type === "number" || type === "boolean" || type === "undefined") return { message: String(vm.dump(handle)) }
    if (type !== "object") return { message: `a ${type} was thrown` }
    const name = stringProp("name")
    const message = stringProp("message")
    const stack = stringProp("stack")
    return {
      ...(name === undefined ? {} : { name: capped(name, 200) }),
      message: message === undefined ? "a non-Error value was thrown" : capped(message, MAX_THROWN_MESSAGE),
      ...(stack === undefined ? {} : { stack: capped(stack, MAX_THROWN_STACK) }),
    }
  } catch (error) {
    // A getter that ran past the slice, or an engine out of memory: the value stays unread.
    return { message: `an unreadable value was thrown (${errorMessage(error)})` }
  } finally {
    if (handle.alive) handle.dispose()
  }
}

/** An engine failure that is not the plugin's answer: interrupted (time) or out of memory. */
/** The name the engine evaluates plugin code under (see evaluateModule). */
const isSandboxFile = (file: string): boolean => file === "plugin.js"

class EngineStop extends Error {
  readonly kind: "interrupted" | "crash"
  constructor(kind: "interrupted" | "crash", message: string) {
    super(message)
    this.kind = kind
  }
}

/**
 * Runs a plugin in a QuickJS engine of its own (WebAssembly): no `process`, no `require`, no Node
 * built-ins, no host object; only the SDK, its context, authority-free web globals, `fetch` to the
 * hosts it declared and `ctx.env` with the names it declared. Calls are synchronous into the engine:
 * a chain of plain values answers without a Promise. Code that runs past its slice is interrupted;
 * running out of memory ends that engine only, and the next call starts a fresh one.
 */
export async function createSandboxInstance(options: SandboxInstanceOptions): Promise<SandboxPluginInstance> {
  const { ref, logger } = options
  const context = { pluginId: ref.id, plugin: ref.name }
  const timeoutMs = options.timeoutMs ?? 10_000
  const sliceMs = Math.min(options.maxSliceMs ?? 200, timeoutMs)
  // Loading runs the plugin's top level once, on a possibly busy machine: it gets more room than a call.
  const bootSliceMs = Math.max(sliceMs, 10_000)
  const maxMemoryMb = options.maxMemoryMb ?? 64
  const maxCrashes = options.maxCrashes ?? 3
  const crashWindowMs = options.crashWindowMs ?? 60_000
  const maxTimers = options.maxTimers ?? 1000
  const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024 * 1024
  const maxMessageStructures = options.maxMessageStructures ?? 200_000
  const maxFetches = options.maxFetches ?? 16
  /**
   * Text the guest hands the host, read out of the engine and checked before the host decodes it: its
   * size in UTF-8 bytes, and how many objects and arrays it can hold (each `{` or `[`, strings included: an
   * overestimate that costs one scan of native code).
   */
  const guestText = (vm: QuickJSContext, handle: QuickJSHandle, what: string): string => {
    const text = vm.getString(handle)
    // UTF-8 bytes: a character is at most 3 of them, so only a text over a third of the cap is counted.
    const bytes = text.length * 3 <= maxMessageBytes ? text.length : Buffer.byteLength(text)
    if (bytes > maxMessageBytes) {
      throw new PluginError("ACTION_FAILED", `Plugin "${ref.name}" sent ${what} of ${sizeText(bytes)}; the sandbox takes at most ${sizeText(maxMessageBytes)} (sandbox.maxMessageBytes)`, { ...context })
    }
    let structures = 0
    for (let at = text.indexOf("{"); at !== -1 && structures <= maxMessageStructures; at = text.indexOf("{", at + 1)) structures++
    for (let at = text.indexOf("["); at !== -1 && structures <= maxMessageStructures; at = text.indexOf("[", at + 1)) structures++
    if (structures > maxMessageStructures) {
      throw new PluginError("ACTION_FAILED", `Plugin "${ref.name}" sent ${what} holding more than ${maxMessageStructures} objects and arrays; the sandbox takes at most that many (sandbox.maxMessageStructures)`, { ...context })
    }
    return text
  }
  const permissions = options.permissions ?? { network: [], env: [] }
  const env = declaredEnv(permissions.env, options.environment ?? process.env)
  const sandboxFetch: SandboxFetch = createSandboxFetch({ plugin: ref.name, network: permissions.network, maxBytes: options.maxFetchBytes ?? 8 * 1024 * 1024 })

  let source: string
  let fallbackSource: string | null = null
  let bundle: string
  try {
    await checkSandboxImports(options.code)
    // SDK specifiers stay as they are (the engine's module loader serves them); `column` is imported
    // for code that uses it without importing it, as the seed's examples do.
    const prepared = await prepareModuleSource(options.code, { sdkUrl: "@dockstat/plugin-handler" })
    source = prepared.source
    if (prepared.injectedColumn) fallbackSource = (await prepareModuleSource(options.code, { sdkUrl: "@dockstat/plugin-handler", injectColumn: false })).source
    bundle = await sandboxGuestBundle()
  } catch (error) {
    throw loadFailed(context, errorMessage(error), error)
  }

  let summary: { routes: RouteDescriptor[]; hooks: HookName[]; table: TableConfig | null; frontend: PluginFrontendConfig | null } | undefined
  let table: TableApi | null = null
  let engine: Engine | undefined
  let booting: Promise<Engine> | undefined
  let state: SandboxState = "running"
  let restarts = 0
  let lastError: string | null = null
  const recordCrash = crashPolicy({ maxCrashes, crashWindowMs })
  let sliceDeadline = 0
  /** Headers of the route calls that went async, by call number, until the call ends (the guest may ask for them any time before). */
  const callHeaders = new Map<number, Record<string, string>>()
  let lastCall = 0
  /**
   * The call running in the engine now and its headers: most calls answer before they return, and a
   * Map insert and delete per request cost more than the rest of the host's side of a call. A call that
   * goes async moves its headers into `callHeaders` before any other code runs.
   */
  let currentCall = 0
  let currentHeaders: Record<string, string> | undefined
  /** Set when the interrupt handler stopped code: a call that failed meanwhile timed out. */
  let interrupted = false

  /** Runs `fn` inside the engine with a fresh slice deadline; maps what the engine did to an EngineStop. */
  const enter = <T>(current: Engine, fn: () => T, slice = sliceMs): T => {
    sliceDeadline = Date.now() + slice
    try {
      return fn()
    } catch (error) {
      if (error instanceof EngineStop) throw error
      // The engine itself failed (a fault in WebAssembly, the host's stack): it cannot be trusted again.
      throw new EngineStop("crash", `its engine failed: ${errorMessage(error)}`)
    }
  }

  /** The value of a call result, or the EngineStop it stands for. */
  const unwrap = (current: Engine, result: { value: QuickJSHandle } | { error: QuickJSHandle }): QuickJSHandle => {
    if ("value" in result) return result.value
    const thrown = thrownSummary(current.vm, result.error)
    const message = `${thrown.name ?? "Error"}: ${thrown.message}`
    if (/InternalError: interrupted/.test(message)) throw new EngineStop("interrupted", "interrupted")
    if (/out of memory/i.test(message)) throw new EngineStop("crash", `ran out of memory (cap ${maxMemoryMb} MiB)`)
    // A syntax error is placed by withSyntaxLocation, from esbuild's parser.
    const stack = thrown.name !== "SyntaxError" ? thrown.stack : undefined
    throw new EngineStop("crash", withThrowLocation(`its runtime failed: ${message}`, stack, isSandboxFile))
  }

  /** `enter` for a call of a guest function, written out: no closure per call (every route makes one). */
  const callGuest = (current: Engine, fn: QuickJSHandle, args: readonly (string | number)[]): QuickJSHandle => {
    sliceDeadline = Date.now() + sliceMs
    const { vm } = current
    const handles: QuickJSHandle[] = []
    try {
      for (let index = 0; index < args.length; index++) {
        const arg = args[index] as string | number
        handles.push(typeof arg === "string" ? vm.newString(arg) : vm.newNumber(arg))
      }
      return unwrap(current, vm.callFunction(fn, vm.undefined, handles))
    } catch (error) {
      if (error instanceof EngineStop) throw error
      // The engine itself failed (a fault in WebAssembly, the host's stack): it cannot be trusted again.
      throw new EngineStop("crash", `its engine failed: ${errorMessage(error)}`)
    } finally {
      for (const handle of handles) handle.dispose()
    }
  }

  const outcome = (text: string): unknown => {
    let answer: { ok: true; value?: unknown } | { ok: false; error: SerializedError }
    try {
      answer = decodeValue(text) as typeof answer
      if (typeof answer !== "object" || answer === null) throw new Error("not an object")
    } catch (error) {
      // The plugin broke its own runtime (e.g. replaced JSON.stringify): its answer is unusable, not the host's problem.
      throw new PluginError("ACTION_FAILED", `Plugin "${ref.name}" sent a malformed answer: ${errorMessage(error)}`, { ...context })
    }
    if (answer.ok === true) return answer.value
    const error = rebuildError(answer.error, ref)
    // A plugin that caught its own out-of-memory error still holds the memory: start it afresh next time.
    if (/out of memory/i.test(error.message) && engine) retire(engine, `ran out of memory (cap ${maxMemoryMb} MiB)`)
    throw error
  }

  const progressAction = (current: Engine, names: readonly string[]): string | undefined => {
    try {
      const handle = callGuest(current, current.guest.progress, [])
      const index = current.vm.getNumber(handle)
      handle.dispose()
      return names[index]
    } catch {
      return undefined
    }
  }

  /** Everything async an engine started is over when no call is in flight: timers and fetches end with the calls. */
  const endOfCalls = (current: Engine) => {
    if (current.calls.size > 0) return
    // Most calls leave neither: an empty Map's clear() still allocates a new table, twice per request.
    if (current.timers.size > 0) {
      for (const timer of current.timers.values()) clearTimeout(timer)
      current.timers.clear()
    }
    if (current.fetches.size > 0) {
      for (const controller of current.fetches) controller.abort()
      current.fetches.clear()
    }
  }

  /** Code of the plugin ran past its slice outside any call's own turn (a timer): every call in flight times out. */
  const timeOutCalls = (current: Engine) => {
    for (const call of [...current.calls]) settle(current, call, () => {
      throw call.onTimeout(sliceMs, current)
    })
    endOfCalls(current)
  }

  const settle = (current: Engine, call: Call, settleWith: () => unknown) => {
    current.calls.delete(call)
    clearTimeout(call.timer)
    if (call.handle.alive) call.handle.dispose()
    try {
      call.resolve(settleWith())
    } catch (error) {
      call.reject(error)
    }
    endOfCalls(current)
  }

  /** Runs the engine's pending jobs, then settles the calls whose promise is done. */
  const drive = (current: Engine) => {
    try {
      driveJobs(current)
    } catch (error) {
      // Called from timers and fetch answers, where nothing above would catch: a failure here is the
      // engine's (its memory full, a handle gone), never the host's.
      retire(current, `its engine failed: ${errorMessage(error)}`)
    }
  }

  const driveJobs = (current: Engine) => {
    if (current.dead) return
    interrupted = false
    try {
      enter(current, () => {
        const result = current.runtime.executePendingJobs()
        if ("error" in result && result.error) unwrap(current, { error: result.error })
      })
    } catch (error) {
      const stop = error as EngineStop
      if (stop.kind === "crash") return retire(current, stop.message)
      // An interrupted job: its call stays pending and times out; the engine serves on.
    }
    for (const call of [...current.calls]) {
      if (current.dead) return
      const promiseState = current.vm.getPromiseState(call.handle)
      if (promiseState.type === "pending") continue
      if (promiseState.type === "fulfilled") {
        let text: string | Error
        try {
          text = guestText(current.vm, promiseState.value, `the answer of ${call.what}`)
        } catch (error) {
          text = error as Error
        } finally {
          promiseState.value.dispose()
        }
        const timedOut = interrupted
        settle(current, call, () => {
          if (typeof text !== "string") throw text
          try {
            return outcome(text)
          } catch (error) {
            // The chain caught the interrupt as an action's failure: it ran past its slice.
            if (timedOut && isPluginError(error) && /interrupted/.test(error.message)) throw call.onTimeout(sliceMs, current)
            throw error
          }
        })
      } else {
        const reason = thrownSummary(current.vm, promiseState.error)
        settle(current, call, () => {
          // Interrupted after an await: the job ran past its slice.
          if (interrupted) throw call.onTimeout(sliceMs, current)
          throw new PluginError("ACTION_FAILED", `${call.what} of plugin "${ref.name}" failed: ${reason.message}`, { ...context })
        })
      }
    }
  }

  /** Frees an engine's handles, context and runtime. A broken engine may not free cleanly; dropping it frees its memory all the same. */
  const freeEngine = (current: Engine) => {
    try {
      if (current.guest) for (const handle of Object.values(current.guest)) if (handle.alive) handle.dispose()
      current.vm.dispose()
      current.runtime.dispose()
    } catch {
      // see above
    }
  }

  /** Takes an engine out of service: calls in flight fail with the reason; the next call boots a new one. */
  const retire = (current: Engine, reason: string) => {
    if (current.dead) return
    current.dead = true
    if (engine === current) engine = undefined
    for (const call of current.calls) {
      clearTimeout(call.timer)
      call.reject(new PluginError("ACTION_FAILED", `Plugin "${ref.name}" ${reason} while running ${call.what}`, { ...context }))
    }
    current.calls.clear()
    endOfCalls(current)
    freeEngine(current)
    if (state === "stopped") return
    lastError = reason
    state = recordCrash(Date.now())
    if (state === "failed") logger.error({ maxCrashes, windowMs: crashWindowMs, reason }, "sandboxed plugin crashed too often; marked failed")
    else logger.warn({ reason }, "sandboxed plugin engine ended; it restarts on the next call")
    options.onCrash?.({ reason, state, restarts })
  }

  /**
   * A whereRgx pattern, run inside the plugin's engine while its table call is in progress: a nested call
   * under the same slice deadline (not a new one), so the pattern counts against the plugin's time.
   */
  const guestRegex = (current: Engine, source: string, flags: string, values: string[]): boolean[] => {
    const arg = current.vm.newString(JSON.stringify({ source, flags, values }))
    let text: string
    try {
      const handle = unwrap(current, current.vm.callFunction(current.guest.testRegex, current.vm.undefined, arg))
      text = current.vm.getString(handle)
      handle.dispose()
    } catch (error) {
      if (error instanceof EngineStop && error.kind === "interrupted") {
        interrupted = true
        throw new PluginError("ACTION_TIMEOUT", `Plugin "${ref.name}": a whereRgx pattern ran past its time slice`, { ...context })
      }
      throw error
    } finally {
      arg.dispose()
    }
    const answer = JSON.parse(text) as { ok?: string; error?: string }
    if (typeof answer.ok !== "string") throw new PluginError("INVALID_INPUT", answer.error ?? "whereRgx failed", { ...context })
    return Array.from(answer.ok, (digit) => digit === "1")
  }

  const hostFunctions = (current: () => Engine, vm: QuickJSContext, runtime: QuickJSRuntime): QuickJSHandle => {
    const host = vm.newObject()
    const add = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | undefined) => {
      const handle = vm.newFunction(name, (...args) => {
        // The interrupt handler is polled every few thousand bytecodes; a loop spending its time in host
        // calls (table writes) would poll it rarely. Past the deadline, every host call fails at once, so
        // the loop spins in bytecode only and is interrupted within microseconds.
        if (Date.now() > sliceDeadline) {
          interrupted = true
          throw new Error("interrupted: the plugin ran past its time slice")
        }
        return fn(...args)
      })
      vm.setProp(host, name, handle)
      handle.dispose()
    }
    add("log", (level, args) => {
      const name = vm.getString(level)
      if (!LEVELS.has(name)) return undefined
      let values: unknown
      try {
        values = decodeValue(guestText(vm, args, "a log line"))
      } catch (error) {
        logger.warn(`a log line of the plugin was dropped: ${errorMessage(error)}`)
        return undefined
      }
      if (Array.isArray(values)) (logger[name as keyof Logger] as (...items: unknown[]) => void)(...values)
      return undefined
    })
    add("table", (ops) => {
      let answer: string
      try {
        if (table === null) throw new PluginError("TABLE_ERROR", `Plugin "${ref.name}" declares no table`)
        answer = encodeValue({ ok: true, value: replayTableOps(table, decodeValue(guestText(vm, ops, "a table call")), { regex: (source, flags) => (values) => guestRegex(current(), source, flags, values) }) })
      } catch (error) {
        // Code, headers (Retry-After of a busy database) and data (the column named) go back in, so an
        // action that does not catch the error answers as it would in any other runtime.
        const failure = tableCallError(error)
        try {
          answer = encodeValue({ ok: false, error: failure })
        } catch {
          answer = encodeValue({ ok: false, error: { code: failure.code, message: failure.message } })
        }
      }
      return vm.newString(answer)
    })
    add("fetch", (request) => {
      const owner = current()
      if (owner.fetches.size >= maxFetches) throw new Error(`plugin "${ref.name}" has ${maxFetches} fetches in flight: no more can start (sandbox.maxFetches)`)
      const text = guestText(vm, request, "a fetch request")
      const deferred = vm.newPromise()
      const controller = new AbortController()
      owner.fetches.add(controller)
      const answered = (answer: SandboxFetchAnswer) => {
        owner.fetches.delete(controller)
        if (owner.dead || !deferred.alive) return
        try {
          const handle = fetchAnswerHandle(vm, answer)
          try {
            enter(owner, () => deferred.resolve(handle))
          } finally {
            handle.dispose()
          }
        } catch (error) {
          // Its memory full (the answer could not be copied in), or the engine going away.
          if (!owner.dead) retire(owner, `its engine failed taking a fetch answer: ${errorMessage(error)}`)
          return
        }
        drive(owner)
      }
      sandboxFetch(text, controller.signal).then(answered, (error: unknown) => {
        owner.fetches.delete(controller)
        if (!owner.dead) retire(owner, `its fetch failed on the host: ${errorMessage(error)}`)
      })
      return deferred.handle
    })
    add("timer", (id, ms) => {
      const owner = current()
      const timerId = vm.getNumber(id)
      if (owner.timers.size >= maxTimers && !owner.timers.has(timerId)) {
        throw new Error(`plugin "${ref.name}" has ${maxTimers} timers pending: no more can be set`)
      }
      clearTimeout(owner.timers.get(timerId))
      owner.timers.set(
        timerId,
        setTimeout(() => {
          owner.timers.delete(timerId)
          if (owner.dead) return
          interrupted = false
          try {
            callGuest(owner, owner.guest.fireTimer, [timerId]).dispose()
          } catch (error) {
            if (!(error instanceof EngineStop) || error.kind === "crash") return retire(owner, error instanceof EngineStop ? error.message : `its engine failed: ${errorMessage(error)}`)
          }
          // A timer that ran past its slice (interrupted, or it caught the interrupt): the calls waiting
          // on the plugin time out, and their timers go with them, so an interval cannot hold the host again.
          if (interrupted) return timeOutCalls(owner)
          drive(owner)
        }, Math.min(vm.getNumber(ms), timeoutMs)),
      )
      return undefined
    })
    add("clearTimer", (id) => {
      const owner = current()
      const timerId = vm.getNumber(id)
      clearTimeout(owner.timers.get(timerId))
      owner.timers.delete(timerId)
      return undefined
    })
    add("url", (href, base) => {
      const baseText = vm.typeof(base) === "string" ? vm.getString(base) : undefined
      let answer: Record<string, string>
      try {
        const url = new URL(vm.getString(href), baseText)
        answer = {
          href: url.href,
          origin: url.origin,
          protocol: url.protocol,
          username: url.username,
          password: url.password,
          host: url.host,
          hostname: url.hostname,
          port: url.port,
          pathname: url.pathname,
          search: url.search,
          hash: url.hash,
        }
      } catch (error) {
        answer = { error: `Invalid URL: ${errorMessage(error)}` }
      }
      return vm.newString(JSON.stringify(answer))
    })
    add("headers", (handle) => {
      const call = vm.getNumber(handle)
      return vm.newString(JSON.stringify((call === currentCall ? currentHeaders : callHeaders.get(call)) ?? {}))
    })
    add("random", (length) => {
      const count = Math.max(0, Math.min(65536, Math.floor(vm.getNumber(length))))
      return vm.newString(randomBytes(count).toString("base64"))
    })
    void runtime
    return host
  }

  /** Boots an engine: the guest runtime, then the plugin module; validates it on the first boot. */
  const boot = async (): Promise<Engine> => {
    const quickjs = await newQuickJsInstance(maxMemoryMb)
    const runtime = quickjs.module.newRuntime()
    runtime.setMaxStackSize(256 * 1024)
    runtime.setInterruptHandler(() => {
      if (Date.now() <= sliceDeadline) return false
      interrupted = true
      return true
    })
    runtime.setModuleLoader((name) => (SDK_SPECIFIERS.has(name) ? SDK_MODULE : { error: new Error(`import of "${name}" is not allowed in the sandbox runtime`) }))
    const vm = runtime.newContext()
    const current: Engine = {
      runtime,
      vm,
      guest: undefined as unknown as GuestFns,
      memory: quickjs.memory,
      maxBytes: quickjs.maxBytes,
      calls: new Set(),
      timers: new Map(),
      fetches: new Set(),
      dead: false,
    }
    try {
      const host = hostFunctions(() => current, vm, runtime)
      vm.setProp(vm.global, "__dockstat_host", host)
      host.dispose()
      enter(current, () => unwrap(current, vm.evalCode(bundle, "dockstat-sandbox.js", { type: "global" })).dispose(), bootSliceMs)
      const guest = vm.getProp(vm.global, "__dockstat_guest")
      enter(current, () => unwrap(current, vm.evalCode("delete globalThis.__dockstat_guest", "dockstat-sandbox.js", { type: "global" })).dispose())
      const fn = (name: string) => vm.getProp(guest, name)
      current.guest = { describe: fn("describe"), start: fn("start"), runRoute: fn("runRoute"), runHook: fn("runHook"), fireTimer: fn("fireTimer"), progress: fn("progress"), testRegex: fn("testRegex") }
      const configure = fn("configure")
      callGuest(current, configure, [encodeValue({ ref, logLevel: options.logLevel ?? 30, env })]).dispose()
      configure.dispose()
      guest.dispose()

      const namespace = evaluateModule(current)
      const shapeHandle = enter(current, () => unwrap(current, vm.callFunction(current.guest.describe, vm.undefined, namespace)))
      namespace.dispose()
      const shape = JSON.parse(guestText(vm, shapeHandle, "its module's shape")) as Shape
      shapeHandle.dispose()
      if (summary === undefined) {
        const definition = validatePluginModule({ default: (reviveShape(shape) as { value?: unknown } | null)?.value })
        const tableConfig = definition.config?.table ?? null
        summary = {
          routes: routesFromConfig(definition.config?.apiRoutes),
          hooks: implementedHooks(definition.events as Record<string, unknown> | undefined),
          table: tableConfig,
          frontend: definition.config?.frontend ?? null,
        }
        if (tableConfig) table = await options.prepareTable(tableConfig)
      }
      const tableInfo = summary.table ? { name: summary.table.name, columns: Object.keys(summary.table.columns) } : null
      callGuest(current, current.guest.start, [encodeValue({ routes: summary.routes, table: tableInfo })]).dispose()
      // Timers and fetches the module's top level started end with the load, as a call's end with the call.
      endOfCalls(current)
      return current
    } catch (error) {
      current.dead = true
      freeEngine(current)
      if (error instanceof EngineStop && error.kind === "interrupted") throw new Error(`the module did not finish loading within ${bootSliceMs} ms`)
      throw error
    }
  }

  const evaluateModule = (current: Engine): QuickJSHandle => {
    const run = (text: string) => enter(current, () => unwrap(current, current.vm.evalCode(text, "plugin.js", { type: "module" })), bootSliceMs)
    let namespace: QuickJSHandle
    try {
      namespace = run(source)
    } catch (error) {
      if (fallbackSource === null || !/'column' has already been declared|redeclaration of 'column'/.test(errorMessage(error))) throw moduleError(error)
      namespace = run(fallbackSource)
    }
    // A module with top-level await evaluates to a promise of its namespace.
    const promiseState = current.vm.getPromiseState(namespace)
    if (promiseState.type === "pending") {
      drive(current)
      const settled = current.vm.getPromiseState(namespace)
      namespace.dispose()
      if (settled.type === "pending") throw new Error("the module's top-level await did not finish while loading (it may only await work that needs no host I/O)")
      if (settled.type === "rejected") {
        const reason = thrownSummary(current.vm, settled.error)
        throw new Error(withThrowLocation(`the module threw while loading: ${reason.message}`, reason.stack, isSandboxFile))
      }
      return settled.value
    }
    if (promiseState.type === "fulfilled" && promiseState.value !== namespace) {
      namespace.dispose()
      return promiseState.value
    }
    return namespace
  }

  const moduleError = (error: unknown): Error => {
    if (error instanceof EngineStop) return error
    return new Error(errorMessage(error))
  }

  /** The engine to call now: the running one, or a fresh one after a crash. */
  const live = (): Engine | Promise<Engine> => {
    if (state === "stopped") throw unloadedError(ref)
    if (state === "failed") {
      throw crashedTooOftenError(ref, { maxCrashes, crashWindowMs }, lastError)
    }
    if (engine !== undefined) return engine
    booting ??= boot().then(
      (fresh) => {
        booting = undefined
        restarts += 1
        engine = fresh
        state = "running"
        return fresh
      },
      (error: unknown) => {
        booting = undefined
        throw error
      },
    )
    return booting
  }

  /**
   * Calls into the guest: a plain answer returns at once; a promise is driven and settles when the
   * host work it waits for is done, or times out.
   */
  const invoke = (current: Engine, fn: QuickJSHandle, args: (string | number)[], what: string, onTimeout: Call["onTimeout"]): unknown => {
    let handle: QuickJSHandle
    interrupted = false
    try {
      handle = callGuest(current, fn, args)
    } catch (error) {
      const stop = error as EngineStop
      if (stop.kind === "interrupted") {
        // Timers and fetches it started end with it (when no other call is in flight).
        endOfCalls(current)
        throw onTimeout(sliceMs, current)
      }
      retire(current, stop.message)
      throw new PluginError("ACTION_FAILED", `Plugin "${ref.name}" ${stop.message} while running ${what}`, { ...context })
    }
    if (current.vm.typeof(handle) === "string") {
      let text: string
      try {
        text = guestText(current.vm, handle, `the answer of ${what}`)
      } finally {
        handle.dispose()
        endOfCalls(current)
      }
      if (!interrupted) return outcome(text)
      try {
        return outcome(text)
      } catch {
        // It failed because it ran past its slice (a host call refused it): a timeout, as an interrupt is.
        throw onTimeout(sliceMs, current)
      }
    }
    return new Promise((resolve, reject) => {
      const call: Call = {
        handle,
        resolve,
        reject,
        what,
        onTimeout,
        timer: setTimeout(() => {
          current.calls.delete(call)
          if (call.handle.alive) call.handle.dispose()
          endOfCalls(current)
          reject(onTimeout(timeoutMs, current))
        }, timeoutMs),
      }
      current.calls.add(call)
      drive(current)
    })
  }

  const first = await (async () => {
    try {
      return await (live() as Promise<Engine>)
    } catch (error) {
      state = "stopped"
      throw loadFailed(context, errorMessage(error), error)
    }
  })()
  restarts = 0
  void first
  const loaded = summary as NonNullable<typeof summary>
  const routes: readonly RouteDescriptor[] = Object.freeze(loaded.routes)
  const hooks = Object.freeze([...loaded.hooks])

  /** Each route by key, with its index and timeout error, made once at load: a request builds no closure or string of its own. */
  type RouteCall = { index: number; what: string; onTimeout: Call["onTimeout"] }
  const routeCalls = new Map<string, RouteCall>(
    routes.map((route, index) => [
      route.key,
      {
        // The guest got the routes in this order (start): the index names the route for less than its key.
        index,
        what: `Route "${route.key}"`,
        onTimeout: (ms, ready) => routeTimeoutError(ref, route.key, ms, ready.dead ? undefined : progressAction(ready, route.actions)),
      },
    ]),
  )

  const runRouteOn = (ready: Engine, known: RouteCall, input: RouteInput): unknown => {
    // The guest asks for the headers only when an action reads them (see lazyHeaders in the guest).
    const call = ++lastCall
    // Calls do not nest (a host function never runs a route), so the slot belongs to this call until it returns.
    currentCall = call
    currentHeaders = input.headers
    let answer: unknown
    try {
      answer = invoke(ready, ready.guest.runRoute, [known.index, encodeRouteInput(input), call], known.what, known.onTimeout)
    } finally {
      currentCall = 0
      currentHeaders = undefined
    }
    if (answer instanceof Promise) {
      callHeaders.set(call, input.headers)
      const forget = () => callHeaders.delete(call)
      answer.then(forget, forget)
    }
    return answer
  }

  const runRouteNow = (routeKey: string, input: RouteInput): unknown => {
    const known = routeCalls.get(routeKey)
    if (known === undefined) throw routeNotFoundError(ref, routeKey)
    const current = live()
    return current instanceof Promise ? current.then((ready) => runRouteOn(ready, known, input)) : runRouteOn(current, known, input)
  }

  const instance: SandboxPluginInstance = {
    id: ref.id,
    name: ref.name,
    version: ref.version,
    runtime: "sandbox",
    routes,
    hooks,
    get table() {
      return table
    },
    logger,
    loadedAt: new Date(),
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
    get memoryBytes() {
      return engine?.memory.buffer.byteLength ?? null
    },
    runRouteNow,
    runRoute(routeKey: string, input: RouteInput): Promise<unknown> {
      try {
        return Promise.resolve(runRouteNow(routeKey, input))
      } catch (error) {
        return Promise.reject(error)
      }
    },
    async runHook(hook: HookName, payload: Record<string, unknown>): Promise<void> {
      if (!hooks.includes(hook)) return
      const { logger: _logger, table: _table, ...rest } = payload
      const current = await live()
      await invoke(current, current.guest.runHook, [hook, encodeValue(rest)], `Hook "${hook}"`, (ms) => hookTimeoutError(ref, hook, ms))
    },
    async dispose(): Promise<void> {
      if (state === "stopped") return
      const current = engine
      // Calls in flight finish first (an update swaps versions under load), within the call timeout.
      if (current && current.calls.size > 0) {
        const pending = [...current.calls].map((call) => new Promise<void>((resolve) => {
          const { resolve: done, reject: failed } = call
          call.resolve = (value) => {
            done(value)
            resolve()
          }
          call.reject = (error) => {
            failed(error)
            resolve()
          }
        }))
        await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())])
      }
      state = "stopped"
      if (current) {
        for (const call of current.calls) {
          clearTimeout(call.timer)
          call.reject(new PluginError("PLUGIN_NOT_LOADED", `Plugin "${ref.name}" was unloaded while running ${call.what}`, { ...context }))
        }
        current.calls.clear()
        retire(current, "unloaded")
      }
      engine = undefined
    },
  }
  return instance
}
