import type PluginHandler from "@dockstat/plugin-handler"

/** Longest error message kept per plugin. */
const MAX_MESSAGE = 500

export interface PluginErrors {
  /** The plugin's latest failure (a load, an action, a hook, a crash, an update), or undefined. */
  last(id: number): { at: string; message: string } | undefined
  close(): void
}

/**
 * The latest failure of each plugin, from the handler's activity feed: the status says how a loaded
 * plugin's hooks and runtime fare, but not why a plugin failed to load or which action failed last.
 * One entry per plugin that failed, dropped when it is deleted.
 */
export function trackPluginErrors(handler: PluginHandler): PluginErrors {
  const errors = new Map<number, { at: string; message: string }>()
  const stop = handler.onActivity((activity) => {
    switch (activity.kind) {
      case "load-failed":
      case "action-failed":
      case "hook-failed":
      case "crash":
        errors.set(activity.pluginId, { at: activity.at, message: activity.message.slice(0, MAX_MESSAGE) })
        break
      case "update-failed":
        if (activity.pluginId !== null) errors.set(activity.pluginId, { at: activity.at, message: activity.message.slice(0, MAX_MESSAGE) })
        break
      case "delete":
        errors.delete(activity.pluginId)
        break
    }
  })
  return { last: (id) => errors.get(id), close: stop }
}
