import { planPluginTable, toRow } from "@dockstat/plugin-store"
import { loadPlugin } from "@dockstat/plugin-loader"

import type { PluginInput, PluginInstance, PluginRow } from "@dockstat/plugin-schema"
import type { TablePlan } from "@dockstat/plugin-store"
import type { LoadPluginOptions } from "@dockstat/plugin-loader"

/** A version of a plugin loaded beside whatever runs now: not serving, its table migration planned, not applied. */
export interface PreparedVersion {
  instance: PluginInstance
  plan: TablePlan | null
}

/** The row a version would have once stored, so it can be loaded before anything is written. */
export function candidateRow(input: PluginInput, id: number, base?: PluginRow): PluginRow {
  const now = new Date().toISOString()
  return {
    ...toRow(input),
    id,
    enabled: base?.enabled ?? true,
    createdAt: base?.createdAt ?? now,
    updatedAt: now,
  }
}

/**
 * Loads a new version in its runtime (imports, shape, routes, hooks: everything a load checks) and plans
 * its table migration (ownership, data loss). Nothing is written; on failure nothing is left running.
 */
export async function prepareVersion(row: PluginRow, load: LoadPluginOptions, allowDataLoss: boolean): Promise<PreparedVersion> {
  const { instance, tableConfig } = await loadPlugin(row, { ...load, tables: "external" })
  try {
    const plan = tableConfig ? await planPluginTable(load.db, row.name, tableConfig, { allowDataLoss }) : null
    return { instance, plan }
  } catch (error) {
    await instance.dispose()
    throw error
  }
}
