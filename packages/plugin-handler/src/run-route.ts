import { setTimeout as sleep } from "node:timers/promises"

import { errorMessage, isPluginError } from "@dockstat/plugin-schema"
import { isBusyError } from "@dockstat/plugin-store"

import type { PluginInstance, RouteInput } from "@dockstat/plugin-schema"

import type { ActivityFeed } from "./activity.ts"
import type { PinoLogger } from "./logger.ts"

/** How a route that found the database locked is run again (see `runRouteLogged`). */
export interface BusyRetry {
  /** Give up (answer 503 with `Retry-After`) after this many milliseconds of retrying; 0 turns retries off. */
  timeoutMs: number
  /** Whether `instance` is still the one serving its plugin: a retry never runs on a version swapped out meanwhile. */
  serving: (instance: PluginInstance) => boolean
  /** Write transactions the host's connection committed so far (`committedWrites(db.client)`). */
  writes: () => number
}

/**
 * Runs the route; an action that fails (throws, times out, its plugin crashed) is logged once here,
 * with the plugin, route, action, status and message, and rethrown for the caller to answer. Synchronous
 * when the runtime answers synchronously, so an inline route costs no Promise.
 *
 * A route whose table write found the database locked by another connection (another process writing
 * the same file) is run again after a short, growing, jittered pause, with the event loop free
 * meanwhile, until it succeeds or `retry.timeoutMs` has passed. Only when nothing of this call can have
 * been stored: the host's connection committed no write during the call (so no write of it would be
 * repeated), and the runtime writes through that connection (sandbox, inline; a worker writes on its own
 * connection, with a long busy timeout on its own thread, instead).
 */
export function runRouteLogged(logger: PinoLogger, activity: ActivityFeed, instance: PluginInstance, key: string, input: RouteInput, retry?: BusyRetry): unknown {
  // No closure per request: under tsx (keepNames) each one costs a defineProperty. What a failure
  // needs is gathered only when there is one, or when the answer is a Promise.
  const retries = retry !== undefined && retry.timeoutMs > 0 && instance.runtime !== "worker" ? retry : undefined
  const writesBefore = retries === undefined ? 0 : retries.writes()
  let result: unknown
  try {
    result = runRoute(instance, key, input)
  } catch (error) {
    return failed({ logger, activity, instance, key, input, retries, writesBefore }, error)
  }
  if (result instanceof Promise) return settleRoute({ logger, activity, instance, key, input, retries, writesBefore }, result)
  return result
}

/** One route call, as its failure handling needs it. */
interface RouteCall {
  logger: PinoLogger
  activity: ActivityFeed
  instance: PluginInstance
  key: string
  input: RouteInput
  /** Undefined: no retries for this call. */
  retries: BusyRetry | undefined
  /** The host connection's committed writes when the call began. */
  writesBefore: number
}

async function settleRoute(call: RouteCall, result: Promise<unknown>): Promise<unknown> {
  try {
    return await result
  } catch (error) {
    return failed(call, error)
  }
}

/** A failed call: run again when the database was busy and nothing of it was stored, else logged and rethrown. */
function failed(call: RouteCall, error: unknown): Promise<unknown> {
  const { retries } = call
  if (retries !== undefined && isBusyError(error) && retries.writes() === call.writesBefore) return retryWhileLocked(call, retries, error)
  logActionFailure(call, error)
  throw error
}

async function retryWhileLocked(call: RouteCall, retry: BusyRetry, first: unknown): Promise<unknown> {
  const { instance, key, input } = call
  const deadline = Date.now() + retry.timeoutMs
  let delay = 5
  let last = first
  for (;;) {
    const left = deadline - Date.now()
    if (left <= 0 || !retry.serving(instance)) break
    // Jitter: the processes that collided would otherwise come back together and collide again.
    await sleep(Math.min(left, delay / 2 + Math.random() * delay))
    delay = Math.min(delay * 2, 200)
    if (!retry.serving(instance)) break
    const writesBefore = retry.writes()
    try {
      return await runRoute(instance, key, input)
    } catch (error) {
      if (!isBusyError(error) || retry.writes() !== writesBefore) {
        logActionFailure(call, error)
        throw error
      }
      last = error
    }
  }
  logActionFailure(call, last)
  throw last
}

function logActionFailure({ logger, activity, instance, key: route }: RouteCall, error: unknown): void {
  const known = isPluginError(error)
  const status = known && typeof error.status === "number" ? error.status : 500
  const action = known ? error.action : undefined
  // warn, not error: the plugin failed, not the host (a crash behind it is logged at error by its runtime).
  logger.warn({ pluginId: instance.id, plugin: instance.name, route, action, status, err: errorMessage(error) }, "plugin action failed")
  activity.publish({ kind: "action-failed", pluginId: instance.id, plugin: instance.name, route, action: action ?? null, status, error: errorMessage(error) })
}

/** The synchronous path when the runtime has one (inline), the Promise one otherwise (worker). */
function runRoute(instance: PluginInstance, key: string, input: RouteInput): unknown {
  return instance.runRouteNow ? instance.runRouteNow(key, input) : instance.runRoute(key, input)
}
