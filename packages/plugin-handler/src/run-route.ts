import { errorMessage, isPluginError } from "@dockstat/plugin-schema"

import type { PluginInstance, RouteInput } from "@dockstat/plugin-schema"

import type { ActivityFeed } from "./activity.ts"
import type { PinoLogger } from "./logger.ts"

/**
 * Runs the route; an action that fails (throws, times out, its plugin crashed) is logged once here,
 * with the plugin, route, action, status and message, and rethrown for the caller to answer. Synchronous
 * when the runtime answers synchronously, so an inline route costs no Promise.
 */
export function runRouteLogged(logger: PinoLogger, activity: ActivityFeed, instance: PluginInstance, key: string, input: RouteInput): unknown {
  let result: unknown
  try {
    result = runRoute(instance, key, input)
  } catch (error) {
    logActionFailure(logger, activity, instance, key, error)
    throw error
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      logActionFailure(logger, activity, instance, key, error)
      throw error
    })
  }
  return result
}

function logActionFailure(logger: PinoLogger, activity: ActivityFeed, instance: PluginInstance, route: string, error: unknown): void {
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
