import { PluginError } from "@dockstat/plugin-schema"

export interface LoadErrorContext {
  pluginId?: number
  plugin?: string
}

/** A plugin that cannot be loaded: the message says which plugin and what is wrong with it. */
export function loadFailed(context: LoadErrorContext, message: string, cause?: unknown): PluginError {
  const who = context.plugin ? `plugin "${context.plugin}"` : "plugin"
  return new PluginError("LOAD_FAILED", `Could not load ${who}${context.pluginId === undefined ? "" : ` (id ${context.pluginId})`}: ${message}`, {
    ...context,
    ...(cause === undefined ? {} : { cause }),
  })
}
