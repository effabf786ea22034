import { PluginError, errorMessage } from "@dockstat/plugin-schema"
import { loadPlugin } from "@dockstat/plugin-loader"
import { readTableIndex, retryWhileBusy } from "@dockstat/plugin-store"

import type { PluginInstance, PluginRow, RuntimeKind } from "@dockstat/plugin-schema"
import type { TableIndex } from "@dockstat/plugin-store"

import type { HandlerParts } from "./handler-parts.ts"
import { createLoadedEntry, versionStamp } from "./loaded-set.ts"
import type { LoadedEntry } from "./loaded-set.ts"
import { invalidIdError, missingPluginError } from "./missing-plugin.ts"

/**
 * What loading many plugins at once reads in one go instead of per plugin: their rows and their tables'
 * records. Read just before the loads start; a row changed meanwhile is caught by the digest check after
 * the load, as for a single load.
 */
export interface LoadBatch {
  rows: ReadonlyMap<number, PluginRow>
  tables: TableIndex
  /** The stored digest of plugin `id` now: whether its row changed while it loaded (see readLoadBatch). */
  storedDigest(id: number): Promise<string | undefined>
}

/**
 * `rows`: the rows just read by the caller (a start reads every row anyway), else read here.
 *
 * The check after each load (was the row changed meanwhile?) is one query for all the loads that ask in
 * the same burst of microtasks: inline loads of a start run in step and ask together (one query instead of
 * 1000), a load that ends on its own (a sandbox or worker start) asks alone. In this process an update
 * runs in the plugin's queue, after its load, and a delete meanwhile queues the removal of what the load
 * brings in; another process's commit after the query is seen by the registry feed (`followRegistry`).
 */
export function readLoadBatch(parts: HandlerParts, ids: readonly number[], rows?: readonly PluginRow[]): LoadBatch {
  const wanted = new Set(ids)
  const read = rows === undefined ? parts.registry.rows(ids) : rows.filter((row) => wanted.has(row.id))
  let asking: Map<number, { resolve: (digest: string | undefined) => void; reject: (error: unknown) => void }> | undefined
  const answer = () => {
    const waiting = asking as NonNullable<typeof asking>
    asking = undefined
    try {
      const digests = parts.registry.digestsOf([...waiting.keys()])
      for (const [id, settle] of waiting) settle.resolve(digests.get(id))
    } catch (error) {
      for (const settle of waiting.values()) settle.reject(error)
    }
  }
  return {
    rows: new Map(read.map((row) => [row.id, row])),
    tables: readTableIndex(parts.db),
    storedDigest(id) {
      return new Promise((resolve, reject) => {
        if (asking === undefined) {
          asking = new Map()
          queueMicrotask(answer)
        }
        asking.set(id, { resolve, reject })
      })
    },
  }
}

/**
 * A plugin saved with `savePlugin` (stored without loading) or installed before frontends were stored
 * gets its frontend recorded by its first load; an unchanged one costs no write.
 */
async function recordFrontend(parts: HandlerParts, row: PluginRow, instance: PluginInstance): Promise<void> {
  const frontend = instance.frontend ?? null
  if (JSON.stringify(frontend) === JSON.stringify(row.frontend ?? null)) return
  await retryWhileBusy(() => parts.registry.setFrontend(row.id, frontend), { what: `Recording the frontend of plugin "${row.name}"` })
}

/**
 * Loads a plugin's stored code and swaps it in (stopping the version it replaces). Run in the plugin's
 * queue: a load only ever replaces what it read, so a plugin deleted or updated meanwhile is not revived.
 * `runtime` overrides the stored and configured runtime for this load.
 */
export async function loadStored(parts: HandlerParts, id: number, runtime?: RuntimeKind, batch?: LoadBatch): Promise<PluginInstance> {
  const { registry, loaded, lifecycle, logger } = parts
  if (!Number.isSafeInteger(id)) throw invalidIdError(id)
  const row = batch?.rows.get(id) ?? registry.get(id)
  if (!row) throw missingPluginError(id)
  const started = performance.now()
  try {
    const options = parts.loadOptions(row.name, { runtime, stored: row.runtime, id })
    if (batch !== undefined) options.tableIndex = batch.tables
    const { instance, table } = await loadPlugin(row, options)
    if ((batch === undefined ? registry.digestOf(id) : await batch.storedDigest(id)) !== row.digest) {
      // Deleted or replaced while it was loading: what loaded is not the plugin any more.
      await instance.dispose()
      throw new PluginError("PLUGIN_NOT_FOUND", `Plugin ${id} was deleted or replaced while it was loading`, { pluginId: id, plugin: row.name })
    }
    let entry: LoadedEntry
    try {
      entry = createLoadedEntry(instance, versionStamp(row))
      await recordFrontend(parts, row, instance)
    } catch (error) {
      // Routes that do not compile (two claiming one path and method), or a database that stayed
      // locked: nothing of this load may run on.
      await instance.dispose()
      throw error
    }
    const previous = loaded.swap(entry)
    if (previous) await lifecycle.dispose(previous.instance)
    await lifecycle.call(instance, "onLoad")
    const ms = performance.now() - started
    logger.info({ pluginId: id, plugin: row.name, runtime: instance.runtime, table: table?.action, ms: Math.round(ms) }, "plugin loaded")
    parts.activity.publish({ kind: "load", pluginId: id, plugin: row.name, version: instance.version, runtime: instance.runtime, ms })
    return instance
  } catch (error) {
    logger.warn({ pluginId: id, plugin: row.name, err: errorMessage(error) }, "plugin failed to load")
    parts.activity.publish({ kind: "load-failed", pluginId: id, plugin: row.name, error: errorMessage(error) })
    throw error
  }
}
