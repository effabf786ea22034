import { PLUGIN_BUILDER_BRAND, formatZodError, isSimplePluginModule, pluginModuleSchema } from "@dockstat/plugin-schema"

import type { PluginDefinition, TableConfig } from "@dockstat/plugin-schema"

/** The default export of a plugin module, checked; throws an Error whose message names each bad field. */
export function validatePluginModule(namespace: Record<string, unknown>): PluginDefinition {
  if (!("default" in namespace) || namespace.default === undefined) {
    throw new Error("the module has no default export (write `export default { name, config, events }`)")
  }
  const definition = namespace.default
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    throw new Error(`the default export must be an object, got ${Array.isArray(definition) ? "array" : typeof definition}`)
  }
  if (Object.hasOwn(definition, PLUGIN_BUILDER_BRAND)) {
    throw new Error("the default export is a plugin builder, not a plugin: end the chain with .build()")
  }
  // Plain modules (nearly all) are checked without zod; zod decides, and words the error, for the rest.
  if (isSimplePluginModule(definition)) return definition as PluginDefinition
  const result = pluginModuleSchema.safeParse(definition)
  if (!result.success) throw new Error(formatZodError(result.error, "invalid plugin shape"))
  // The original object, not zod's copy: actions keep their identity and `this`. Only the table is
  // zod's output: the declaration as the schema normalizes it, so the store sees one form in every runtime.
  const original = definition as PluginDefinition
  const table = result.data.config?.table
  if (table === undefined || original.config === undefined) return original
  return { ...original, config: { ...original.config, table: table as TableConfig } }
}
