import { errorMessage } from "@dockstat/plugin-schema"
import { createChangeFeed } from "@dockstat/plugin-store"

import type { ChangeBatch, ChangeFeed } from "@dockstat/plugin-store"

import type { HandlerParts } from "./handler-parts.ts"
import { reconcilePlugin } from "./reconcile-plugin.ts"

export interface FollowOptions {
  /** How often the registry is checked for other processes' changes (default 100 ms). */
  intervalMs?: number
}

/**
 * Keeps this process's loaded plugins in line with the registry that other processes (servers, the CLI)
 * change: each change another connection recorded is applied here within `intervalMs` and the time the
 * load takes. A process that fell behind further than the feed keeps compares every plugin.
 */
export function followRegistry(parts: HandlerParts, options: FollowOptions = {}): ChangeFeed {
  const { logger } = parts
  const onBatch = ({ changes, missed, version }: ChangeBatch): void => {
    const kinds = new Map<number, string[]>()
    for (const change of changes) kinds.set(change.pluginId, [...(kinds.get(change.pluginId) ?? []), change.kind])
    if (missed) {
      logger.warn({ version }, "registry changes were pruned before this process read them; comparing every plugin")
      for (const plugin of parts.registry.list()) kinds.set(plugin.id, kinds.get(plugin.id) ?? [])
      for (const id of parts.loaded.ids()) kinds.set(id, kinds.get(id) ?? [])
    }
    for (const [id, changed] of kinds) {
      void reconcilePlugin(parts, id).then(
        (outcome) => {
          if (outcome === "unchanged" || outcome === "failed") return
          logger.info({ pluginId: id, changes: changed, outcome, version }, `plugin ${outcome} after a registry change by another process`)
        },
        // Reading the row can fail too (a database that stays locked): never an unhandled rejection, which
        // ends the process; the plugin's next change, or a restart, tries again.
        (error: unknown) => logger.warn({ pluginId: id, changes: changed, err: errorMessage(error) }, "could not apply a registry change by another process"),
      )
    }
  }
  return createChangeFeed(parts.db, {
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    onBatch,
    onError: (error) => logger.warn({ err: errorMessage(error) }, "reading the registry's changes failed; trying again at the next tick"),
  })
}
