import type { RuntimeKind } from "@dockstat/plugin-schema"
import type { CrashReport, LoadPluginOptions } from "@dockstat/plugin-loader"
import type { DB } from "@dockstat/plugin-store"

import type { ActivityFeed } from "./activity.ts"
import { PluginLogger, loggerName } from "./logger.ts"
import type { PinoLogger } from "./logger.ts"
import type { PluginHandlerOptions } from "./plugin-handler.ts"

/** The handler options a load reads (at every load, so the facade passes its options object itself). */
export type LoadSettings = Pick<PluginHandlerOptions, "runtime" | "pluginRuntimes" | "grantModules" | "allowInlineFallback" | "worker" | "sandbox" | "timeoutMs">

/** What decides one load's options besides the plugin's name. */
export interface LoadChoice {
  /** This load's (or install's, or update's) runtime: wins over all else. */
  runtime?: RuntimeKind | undefined
  /** The runtime stored with the plugin (the admin's choice at install). */
  stored?: RuntimeKind | null | undefined
  /** Put on every line of the plugin's logger; an install has none yet. */
  id?: number | undefined
}

export type LoadOptionsFor = (name: string, choice?: LoadChoice) => LoadPluginOptions

/**
 * The options every load, install and update passes to the loader, built in one place so the runtime
 * precedence is one rule: this load's choice > the stored (installed with) runtime > `pluginRuntimes` >
 * the handler's default (the sandbox).
 */
export function createLoadOptions(db: DB, baseLogger: PinoLogger, parents: readonly string[], settings: LoadSettings, activity: ActivityFeed): LoadOptionsFor {
  return (name, { runtime, stored, id } = {}) => {
    // The plugin's id on every line of its logger (its crashes and restarts too). Built without object
    // spreads: on Node 20 each property written after one takes V8's slow path, 1000 times at a start.
    const bindings: { name: string; pluginId?: number } = { name: loggerName(parents, "PluginHandler", name) }
    if (id !== undefined) bindings.pluginId = id
    const logger = new PluginLogger(baseLogger, bindings)
    const options: LoadPluginOptions = {
      db,
      logger,
      runtime: runtime ?? stored ?? settings.pluginRuntimes?.[name] ?? settings.runtime ?? "sandbox",
      logLevel: logger.levelVal,
    }
    if (settings.allowInlineFallback !== undefined) options.allowInlineFallback = settings.allowInlineFallback
    if (settings.grantModules && Object.hasOwn(settings.grantModules, name)) options.grantModules = settings.grantModules[name] ?? []
    if (settings.worker !== undefined) options.worker = settings.worker
    if (settings.sandbox !== undefined) options.sandbox = settings.sandbox
    if (settings.timeoutMs !== undefined) options.timeoutMs = settings.timeoutMs
    // A version being installed has no id yet: its crashes fail the install, which says so itself.
    if (id !== undefined) options.onCrash = (crash: CrashReport) => activity.publish({ kind: "crash", pluginId: id, plugin: name, ...crash })
    return options
  }
}
