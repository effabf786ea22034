import { PluginError } from "@dockstat/plugin-schema"

export interface LoadErrorContext {
  pluginId?: number
  plugin?: string
}

/** A plugin that cannot be loaded: the message says which plugin and what is wrong with it. */
export function loadFailed(context: LoadErrorContext, message: string, cause?: unknown): PluginError {
  const who = context.plugin ? `plugin "${context.plugin}"` : "plugin"
  // A candidate checked before it is stored has no id yet (0): "(id 0)" would name nothing.
  const id = context.pluginId !== undefined && context.pluginId > 0 ? ` (id ${context.pluginId})` : ""
  return new PluginError("LOAD_FAILED", `Could not load ${who}${id}: ${message}`, {
    ...context,
    ...(cause === undefined ? {} : { cause }),
  })
}
