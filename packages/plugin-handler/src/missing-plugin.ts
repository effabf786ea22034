import { PluginError } from "@dockstat/plugin-schema"

/*
 * The answers for an id that names no plugin, or none that is loaded. One place, so the errors thrown
 * (load, route) and the results returned (update, delete, deactivate) say the same thing in the same words.
 */

/** `No plugin with id 7`. */
export function missingPluginMessage(id: number): string {
  return `No plugin with id ${id}`
}

/** The result of a management call (update, delete) whose plugin is not installed. */
export function missingPluginResult(id: number): { success: false; message: string; kind: "not-found" } {
  return { success: false, message: missingPluginMessage(id), kind: "not-found" }
}

/** Thrown where a caller needs the plugin (load, route): a 404 through the fetch handler. */
export function missingPluginError(id: number): PluginError {
  return new PluginError("PLUGIN_NOT_FOUND", missingPluginMessage(id), { pluginId: id })
}

/** `Plugin id must be an integer, got "7"`: an id that cannot name a plugin at all. */
export function invalidIdMessage(id: unknown): string {
  return `Plugin id must be an integer, got ${JSON.stringify(id)}`
}

export function invalidIdResult(id: unknown): { success: false; message: string; kind: "validation" } {
  return { success: false, message: invalidIdMessage(id), kind: "validation" }
}

export function invalidIdError(id: unknown): PluginError {
  return new PluginError("PLUGIN_NOT_FOUND", invalidIdMessage(id))
}

/** Thrown where a loaded plugin is needed (a 503): an installed one can be activated, so it says so. */
export function notLoadedError(id: number, installed = false): PluginError {
  const message = installed ? `Plugin ${id} is installed but not loaded; activate it first` : `Plugin ${id} is not loaded`
  return new PluginError("PLUGIN_NOT_LOADED", message, { pluginId: id })
}
