import { setTimeout as sleep } from "node:timers/promises"

import { databaseBusyError, isBusyError } from "./errors.ts"

export interface BusyRetryOptions {
  /** Give up after this many milliseconds of retrying (default 5000). */
  timeoutMs?: number
  /** The first wait between tries (default 10 ms); it doubles up to `maxDelayMs`. */
  initialDelayMs?: number
  /** The longest wait between tries (default 200 ms). */
  maxDelayMs?: number
  /** What is being written, for the error message (default "The write"). */
  what?: string
}

/**
 * Runs a synchronous database write (a `db.transaction(...)`) and, while it fails because another
 * connection holds the write lock, runs it again after a growing, jittered pause. The host's connection
 * waits only briefly inside SQLite (its busy timeout is short: that wait blocks the event loop); the
 * patience lives here, between tries, where the event loop keeps serving. `fn` must be safe to run again
 * after it threw, as a rolled-back transaction is. Any other error is rethrown at once.
 *
 * @throws PluginError DATABASE_BUSY (503, `Retry-After`) when the database is still busy after `timeoutMs`.
 *
 * @example
 * const id = await retryWhileBusy(() => db.transaction(() => registry.insert(input)), { what: "Install of notes" })
 */
export async function retryWhileBusy<T>(fn: () => T, options: BusyRetryOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000
  const maxDelayMs = options.maxDelayMs ?? 200
  const deadline = Date.now() + timeoutMs
  let delay = options.initialDelayMs ?? 10
  for (;;) {
    try {
      return fn()
    } catch (error) {
      if (!isBusyError(error)) throw error
      const left = deadline - Date.now()
      if (left <= 0) throw databaseBusyError(options.what ?? "The write", error)
      // Jitter: two writers backing off in step would keep colliding.
      await sleep(Math.min(left, delay / 2 + Math.random() * delay))
      delay = Math.min(delay * 2, maxDelayMs)
    }
  }
}
