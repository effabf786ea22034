import type { DB } from "./db.ts"
import { changesSince, registryVersion } from "./registry-changes.ts"
import type { RegistryChange } from "./registry-changes.ts"

export interface ChangeBatch {
  /** Other connections' changes since the last batch, oldest first (this connection's own are left out). */
  changes: RegistryChange[]
  /**
   * Some changes were pruned before this process read them: it cannot know which plugins changed, and
   * should compare all of them with the registry.
   */
  missed: boolean
  /** The registry version after this batch. */
  version: number
}

export interface ChangeFeedOptions {
  /** How often the feed looks for changes (default 100 ms). */
  intervalMs?: number
  onBatch: (batch: ChangeBatch) => void
  /** A poll that failed (the database unreadable); the next one tries again. */
  onError?: (error: unknown) => void
}

export interface ChangeFeed {
  /** Starts polling from the registry's version now. Idempotent. */
  start(): void
  stop(): void
  /** Looks for changes at once (what each timer tick does); true when a batch was delivered. */
  poll(): boolean
  /** The registry version this feed has read up to. */
  readonly version: number
}

export const DEFAULT_FEED_INTERVAL_MS = 100

/**
 * Tells a process about the registry changes other processes (and other connections of this one) made.
 *
 * Cheap when nothing changed, which is almost always: each tick reads `PRAGMA data_version`, a counter
 * SQLite keeps per connection that moves only when another connection committed (no table is read, no
 * lock taken). Only then are the changes after the last one seen read, by primary key. An embedded
 * replica learns of changes by syncing frames from its primary, which `data_version` may not reflect,
 * so there every tick reads the feed (still one primary-key range read).
 *
 * The timer is unref'd: a feed never keeps a process alive.
 *
 * @example
 * const feed = createChangeFeed(db, { onBatch: ({ changes, missed }) => reconcile(changes, missed) })
 * feed.start()
 * // on shutdown
 * feed.stop()
 */
export function createChangeFeed(db: DB, options: ChangeFeedOptions): ChangeFeed {
  const intervalMs = Math.max(10, options.intervalMs ?? DEFAULT_FEED_INTERVAL_MS)
  // An embedded replica sends PRAGMAs to its primary: there the feed reads the table at every tick instead.
  const dataVersion = db.replica === undefined ? db.client.prepare("PRAGMA data_version") : undefined
  const readDataVersion = () => (dataVersion === undefined ? 0 : Number((dataVersion.get([]) as { data_version: number }).data_version))
  let seen = registryVersion(db)
  let lastDataVersion = readDataVersion()
  let timer: NodeJS.Timeout | undefined

  function poll(): boolean {
    const current = db.replica === undefined ? readDataVersion() : undefined
    if (current !== undefined && current === lastDataVersion) return false
    const changes: RegistryChange[] = []
    let missed = false
    let cursor = seen
    for (;;) {
      const page = changesSince(db, cursor)
      const first = page[0]
      if (first === undefined) break
      // Ids are consecutive (AUTOINCREMENT, and a rolled-back change takes its id back with it): a gap
      // means the changes in it were pruned before this process read them.
      if (first.id !== cursor + 1) missed = true
      for (const change of page) if (change.origin !== db.origin) changes.push(change)
      cursor = page.at(-1)?.id ?? cursor
    }
    // Only once every page was read: a read that fails (a locked database) is tried again at the next tick.
    seen = cursor
    if (current !== undefined) lastDataVersion = current
    if (changes.length === 0 && !missed) return false
    options.onBatch({ changes, missed, version: seen })
    return true
  }

  function tick(): void {
    try {
      poll()
    } catch (error) {
      options.onError?.(error)
    }
  }

  return {
    start() {
      if (timer !== undefined) return
      seen = registryVersion(db)
      lastDataVersion = readDataVersion()
      timer = setInterval(tick, intervalMs)
      timer.unref()
    },
    stop() {
      clearInterval(timer)
      timer = undefined
    },
    poll,
    get version() {
      return seen
    },
  }
}
