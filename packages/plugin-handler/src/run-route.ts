import { setTimeout as sleep } from "node:timers/promises"

import { errorMessage, isPluginError } from "@dockstat/plugin-schema"
import { isBusyError, tableWriteCount } from "@dockstat/plugin-store"

import type { PluginInstance, RouteInput } from "@dockstat/plugin-schema"

import type { PinoLogger } from "./logger.ts"

/** How a route that found the database locked is run again (see `runRouteLogged`). */
export interface BusyRetry {
  /** Give up (answer 503 with `Retry-After`) after this many milliseconds of retrying; 0 turns retries off. */
  timeoutMs: number
  /** Whether `instance` is still the one serving its plugin: a retry never runs on a version swapped out meanwhile. */
  serving: (instance: PluginInstance) => boolean
}

/**
 * Runs the route; an action that fails (throws, times out, its plugin crashed) is logged once here,
 * with the plugin, route, action, status and message, and rethrown for the caller to answer. Synchronous
 * when the runtime answers synchronously, so an inline route costs no Promise.
 *
 * A route whose table write found the database locked by another connection (another process writing
 * the same file) is run again after a short, growing, jittered pause, with the event loop free
 * meanwhile, until it succeeds or `retry.timeoutMs` has passed. Only when nothing of this call can have
 * been stored: the plugin's table API counted no successful write during the call (so no write of it
 * would be repeated), and the runtime writes through that API in this thread (sandbox, inline; a worker
 * writes on its own connection, with a long busy timeout on its own thread, instead).
 */
export function runRouteLogged(logger: PinoLogger, instance: PluginInstance, key: string, input: RouteInput, retry?: BusyRetry): unknown {
  const retries = retry !== undefined && retry.timeoutMs > 0 && instance.runtime !== "worker" ? retry : undefined
  const writesBefore = retries === undefined ? 0 : tableWriteCount(instance.table)
  const again = (error: unknown): boolean => retries !== undefined && isBusyError(error) && tableWriteCount(instance.table) === writesBefore
  let result: unknown
  try {
    result = runRoute(instance, key, input)
  } catch (error) {
    if (again(error)) return retryWhileLocked(logger, instance, key, input, retries as BusyRetry, error)
    logActionFailure(logger, instance, key, error)
    throw error
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      if (again(error)) return retryWhileLocked(logger, instance, key, input, retries as BusyRetry, error)
      logActionFailure(logger, instance, key, error)
      throw error
    })
  }
  return result
}

async function retryWhileLocked(logger: PinoLogger, instance: PluginInstance, key: string, input: RouteInput, retry: BusyRetry, first: unknown): Promise<unknown> {
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
    const writesBefore = tableWriteCount(instance.table)
    try {
      return await runRoute(instance, key, input)
    } catch (error) {
      if (!isBusyError(error) || tableWriteCount(instance.table) !== writesBefore) {
        logActionFailure(logger, instance, key, error)
        throw error
      }
      last = error
    }
  }
  logActionFailure(logger, instance, key, last)
  throw last
}

function logActionFailure(logger: PinoLogger, instance: PluginInstance, route: string, error: unknown): void {
  const known = isPluginError(error)
  const status = known && typeof error.status === "number" ? error.status : 500
  // warn, not error: the plugin failed, not the host (a crash behind it is logged at error by its runtime).
  logger.warn({ pluginId: instance.id, plugin: instance.name, route, action: known ? error.action : undefined, status, err: errorMessage(error) }, "plugin action failed")
}

/** The synchronous path when the runtime has one (inline), the Promise one otherwise (worker). */
function runRoute(instance: PluginInstance, key: string, input: RouteInput): unknown {
  return instance.runRouteNow ? instance.runRouteNow(key, input) : instance.runRoute(key, input)
}
