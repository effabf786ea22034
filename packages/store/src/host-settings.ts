import { eq } from "drizzle-orm"
import { hostSettings } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"

/** The host's own key/value settings (`host_settings`): small facts a host records once, such as "examples installed". */
export interface HostSettings {
  get(key: string): string | undefined
  /** Writes `value` under `key`, replacing what was there. */
  set(key: string, value: string): void
  /**
   * Runs `fn` and records `value` under `key`, in one write transaction, unless `key` is recorded
   * already. Whoever takes the write lock first runs it; every other connection (another process
   * starting on the same new database) then finds the key and runs nothing. `fn`'s writes and the
   * record commit together, or not at all when `fn` throws. Throws DATABASE_BUSY while another
   * connection keeps the lock (retry with `retryWhileBusy`).
   */
  claim<T>(key: string, value: string, fn: () => T): { claimed: true; result: T } | { claimed: false }
}

export function createHostSettings(db: DB): HostSettings {
  const orm = db.drizzle
  const get = (key: string) => orm.select({ value: hostSettings.value }).from(hostSettings).where(eq(hostSettings.key, key)).get()?.value
  return {
    get,
    set(key, value) {
      const updatedAt = new Date().toISOString()
      orm.insert(hostSettings).values({ key, value, updatedAt }).onConflictDoUpdate({ target: hostSettings.key, set: { value, updatedAt } }).run()
    },
    claim(key, value, fn) {
      return db.transaction(() => {
        // Under the write lock (BEGIN IMMEDIATE): nobody can record the key between this read and the insert.
        if (get(key) !== undefined) return { claimed: false as const }
        const result = fn()
        orm.insert(hostSettings).values({ key, value, updatedAt: new Date().toISOString() }).run()
        return { claimed: true as const, result }
      }, `Host setting "${key}"`)
    },
  }
}
