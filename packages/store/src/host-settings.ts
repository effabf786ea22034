import { eq } from "drizzle-orm"
import { hostSettings } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"

/** The host's own key/value settings (`host_settings`): small facts a host records once, such as "examples installed". */
export interface HostSettings {
  get(key: string): string | undefined
  /** Writes `value` under `key`, replacing what was there. */
  set(key: string, value: string): void
}

export function createHostSettings(db: DB): HostSettings {
  const orm = db.drizzle
  return {
    get(key) {
      return orm.select({ value: hostSettings.value }).from(hostSettings).where(eq(hostSettings.key, key)).get()?.value
    },
    set(key, value) {
      const updatedAt = new Date().toISOString()
      orm.insert(hostSettings).values({ key, value, updatedAt }).onConflictDoUpdate({ target: hostSettings.key, set: { value, updatedAt } }).run()
    },
  }
}
