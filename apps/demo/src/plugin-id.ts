import { PluginError } from "@dockstat/plugin-handler"

const PLUGIN_ID = /^[1-9][0-9]{0,15}$/

/**
 * The `:id` of a URL as a plugin id. Anything that is not a plain positive integer can name no plugin,
 * so it is a 404 like an unknown id (the plugin route handler answers the same), never a NaN lookup.
 */
export function parsePluginId(raw: string | undefined): number {
  const id = pluginIdOf(raw)
  if (id === undefined) throw new PluginError("PLUGIN_NOT_FOUND", `There is no plugin with id "${raw ?? ""}"`)
  return id
}

/** `parsePluginId` without the error: undefined for anything that names no plugin. */
export function pluginIdOf(raw: string | undefined): number | undefined {
  const id = raw !== undefined && PLUGIN_ID.test(raw) ? Number(raw) : Number.NaN
  return Number.isSafeInteger(id) ? id : undefined
}
