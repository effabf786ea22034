import type { DB } from "./db.ts"

/** Who holds a lease and until when (ms since the epoch). */
export interface LeaseHolder {
  holder: string
  expiresAt: number
}

/**
 * Leases in `host_leases`: one holder per name at a time, until it stops renewing. Times are the
 * processes' wall clocks (ms since the epoch), so the processes sharing a database must agree on the
 * time within a small fraction of the lease's duration (NTP does; one machine trivially does).
 */
export interface Leases {
  /**
   * Takes `name` for `holder` until `now + ttlMs` when it is free, expired, or held by `holder` already
   * (a renewal). True when `holder` holds it afterwards. Throws DATABASE_BUSY when another connection
   * keeps the write lock; the caller tries again at its next tick.
   */
  acquire(name: string, holder: string, ttlMs: number, now?: number): boolean
  /** Gives the lease up at once (if `holder` holds it), so another process can take it without waiting for it to expire. */
  release(name: string, holder: string): void
  /** Who holds `name` now, or undefined when nobody does (never taken, released, or expired). */
  holder(name: string, now?: number): LeaseHolder | undefined
}

export function createLeases(db: DB): Leases {
  return {
    acquire(name, holder, ttlMs, now = Date.now()) {
      return db.transaction(() => {
        const { changes } = db
          .query(
            `INSERT INTO host_leases (name, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET
               holder = excluded.holder,
               expires_at = excluded.expires_at,
               acquired_at = CASE WHEN host_leases.holder = excluded.holder THEN host_leases.acquired_at ELSE excluded.acquired_at END
             WHERE host_leases.holder = excluded.holder OR host_leases.expires_at <= ?`,
          )
          .run(name, holder, now + ttlMs, now, now)
        return changes > 0
      }, `Lease "${name}"`)
    },
    release(name, holder) {
      db.transaction(() => db.query("DELETE FROM host_leases WHERE name = ? AND holder = ?").run(name, holder), `Lease "${name}"`)
    },
    holder(name, now = Date.now()) {
      const row = db.query("SELECT holder, expires_at AS expiresAt FROM host_leases WHERE name = ?").get(name) as LeaseHolder | undefined
      return row !== undefined && row.expiresAt > now ? { holder: row.holder, expiresAt: Number(row.expiresAt) } : undefined
    },
  }
}
