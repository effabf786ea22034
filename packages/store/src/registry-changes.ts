import type { RegistryChangeKind } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"

/** One entry of the registry's change feed. */
export interface RegistryChange {
  /** The registry version this change made (ids only grow). */
  id: number
  pluginId: number
  kind: RegistryChangeKind
  /** The plugin's version after the change; null on delete. */
  version: string | null
  /** `db.origin` of the connection that made it. */
  origin: string
}

/**
 * How many changes the feed keeps. A process that falls further behind (stopped, or more changes than
 * this between two of its polls) cannot tell what it missed and compares every plugin instead.
 */
export const KEPT_CHANGES = 1000

/**
 * Appends a change to the feed and prunes the oldest ones. Call it inside the transaction that makes the
 * change, so the feed never says more or less than what was committed.
 */
export function recordChange(db: DB, pluginId: number, kind: RegistryChangeKind, version: string | null): number {
  const { lastInsertRowid } = db.query("INSERT INTO registry_changes (plugin_id, kind, version, origin) VALUES (?, ?, ?, ?)").run(pluginId, kind, version, db.origin)
  db.query("DELETE FROM registry_changes WHERE id <= ?").run(lastInsertRowid - KEPT_CHANGES)
  return lastInsertRowid
}

/** The registry's version: the id of its newest change, 0 for a registry that never changed. */
export function registryVersion(db: DB): number {
  // sqlite_sequence keeps the newest AUTOINCREMENT id even when its row was pruned.
  const row = db.query("SELECT seq FROM sqlite_sequence WHERE name = 'registry_changes'").get() as { seq: number } | undefined
  return Number(row?.seq ?? 0)
}

/** Changes after `after`, oldest first, at most `limit`. */
export function changesSince(db: DB, after: number, limit = 500): RegistryChange[] {
  return db
    .query("SELECT id, plugin_id AS pluginId, kind, version, origin FROM registry_changes WHERE id > ? ORDER BY id LIMIT ?")
    .all(after, limit) as unknown as RegistryChange[]
}
