import { planPluginTable, toRow } from "@dockstat/plugin-store"
import { loadPlugin } from "@dockstat/plugin-loader"

import type { PluginInput, PluginInstance, PluginRow, RuntimeKind } from "@dockstat/plugin-schema"
import type { PluginSigner, TablePlan } from "@dockstat/plugin-store"
import type { LoadPluginOptions } from "@dockstat/plugin-loader"

import { createLoadedEntry, versionStamp } from "./loaded-set.ts"
import type { LoadedEntry } from "./loaded-set.ts"

/** A version of a plugin loaded beside whatever runs now: not serving, its table migration planned, not applied. */
export interface PreparedVersion {
  instance: PluginInstance
  /** What the handler swaps in: its routes already compiled, so a clash fails here, before anything is stored. */
  entry: LoadedEntry
  plan: TablePlan | null
}

/** The row a version would have once stored (signed as the registry would), so it can be loaded before anything is written. */
export function candidateRow(input: PluginInput, id: number, signer: PluginSigner, base?: PluginRow, runtime?: RuntimeKind | null): PluginRow {
  const now = new Date().toISOString()
  return {
    ...toRow(input, signer, runtime !== undefined ? runtime : (base?.runtime ?? null)),
    id,
    enabled: base?.enabled ?? true,
    frontend: base?.frontend ?? null,
    createdAt: base?.createdAt ?? now,
    updatedAt: now,
  }
}

/**
 * Loads a new version in its runtime (imports, shape, routes, hooks: everything a load checks), compiles
 * its routes (a clash such as `GET /items/:id` beside `GET /items/:name` fails here) and plans its table
 * migration (ownership, data loss). Nothing is written; on failure nothing is left running.
 */
export async function prepareVersion(row: PluginRow, load: LoadPluginOptions, allowDataLoss: boolean): Promise<PreparedVersion> {
  const { instance, tableConfig } = await loadPlugin(row, { ...load, tables: "external" })
  try {
    const entry = createLoadedEntry(instance, versionStamp(row))
    const plan = tableConfig ? await planPluginTable(load.db, row.name, tableConfig, { allowDataLoss }) : null
    return { instance, entry, plan }
  } catch (error) {
    await instance.dispose()
    throw error
  }
}
