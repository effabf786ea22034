import { errorMessage } from "@dockstat/plugin-schema"
import { codeDigest, createTableApi, ensurePluginTable } from "@dockstat/plugin-store"

import type { Logger, PluginInstance, PluginRow, TableApi } from "@dockstat/plugin-schema"
import type { DB, EnsureTableResult } from "@dockstat/plugin-store"

import { loadFailed } from "./errors.ts"
import { importPluginModule } from "./import-module.ts"
import { createInlineInstance } from "./inline-runtime.ts"
import { validatePluginModule } from "./validate-module.ts"

export interface LoadPluginOptions {
  db: DB
  /** The plugin's logger (`<parents> > PluginHandler > <name>`). */
  logger: Logger
}

export interface LoadedPlugin {
  instance: PluginInstance
  table: EnsureTableResult | null
}

/**
 * Stored plugin -> running plugin: verify the code's digest, import it, check its shape, make its table
 * (through drizzle-kit, only when its descriptors changed) and build the instance. Any failure is a
 * LOAD_FAILED PluginError naming the plugin and the reason; nothing is left running.
 */
export async function loadPlugin(row: PluginRow, options: LoadPluginOptions): Promise<LoadedPlugin> {
  const context = { pluginId: row.id, plugin: row.name }
  if (codeDigest(row.plugin) !== row.digest) {
    throw loadFailed(context, "its code in the database does not match the digest stored at install (changed behind the handler's back); refusing to run it")
  }
  let namespace: Record<string, unknown>
  try {
    namespace = await importPluginModule(row.plugin)
  } catch (error) {
    throw loadFailed(context, errorMessage(error), error)
  }
  let definition
  try {
    definition = validatePluginModule(namespace)
  } catch (error) {
    throw loadFailed(context, errorMessage(error), error)
  }

  let table: TableApi | null = null
  let tableResult: EnsureTableResult | null = null
  const tableConfig = definition.config?.table
  if (tableConfig) {
    try {
      tableResult = await ensurePluginTable(options.db, row.name, tableConfig)
    } catch (error) {
      throw loadFailed(context, errorMessage(error), error)
    }
    table = createTableApi(options.db.client, tableConfig.name, tableConfig.columns, tableConfig.jsonColumns ? { jsonColumns: tableConfig.jsonColumns } : {})
  }

  const instance = createInlineInstance({
    ref: { id: row.id, name: row.name, version: row.version },
    definition,
    table,
    logger: options.logger,
  })
  return { instance, table: tableResult }
}
