import type { PluginDefinition } from "./types.ts"

/**
 * Identity helper that types a plugin module's default export.
 *
 * @example
 * export default definePlugin({ name: "hello", config: { apiRoutes: {}, actions: {} } })
 */
export function definePlugin<const T extends PluginDefinition>(plugin: T): T {
  return plugin
}
