import type { DB } from "./db.ts"

/** Where an event source stands: the newest delivered event's time and the events delivered at that very time. */
export interface StoredCursor {
  /** Nanoseconds since the epoch. */
  position: bigint
  /** Keys of the events delivered at `position` (a resumed stream repeats that nanosecond). */
  keys: string[]
}

/**
 * Event source positions in `event_cursors`, so a process taking over a source (see `Leases`) resumes
 * where the previous one stopped.
 */
export interface EventCursors {
  read(source: string): StoredCursor | undefined
  /**
   * Stores the cursor, but only while `lease.holder` holds `lease.name` (checked in the same
   * transaction): a process that lost its lease cannot move the cursor of the one that took over.
   * Returns false when it did not hold it. Throws DATABASE_BUSY while another connection keeps the lock.
   */
  write(source: string, cursor: StoredCursor, lease: { name: string; holder: string }): boolean
}

export function createEventCursors(db: DB): EventCursors {
  return {
    read(source) {
      const row = db.query("SELECT position, keys FROM event_cursors WHERE source = ?").get(source) as { position: string; keys: string } | undefined
      if (row === undefined) return undefined
      return { position: BigInt(row.position), keys: JSON.parse(row.keys) as string[] }
    },
    write(source, cursor, lease) {
      return db.transaction(() => {
        const held = db.query("SELECT 1 AS held FROM host_leases WHERE name = ? AND holder = ?").get(lease.name, lease.holder)
        if (held === undefined) return false
        db.query(
          `INSERT INTO event_cursors (source, position, keys, updated_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
           ON CONFLICT (source) DO UPDATE SET position = excluded.position, keys = excluded.keys, updated_at = excluded.updated_at`,
        ).run(source, cursor.position.toString(), JSON.stringify(cursor.keys))
        return true
      }, `Event cursor "${source}"`)
    },
  }
}
