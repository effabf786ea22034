/** Options of the reconnect delay. */
export interface BackoffOptions {
  /** The first delay after a failure (default 250 ms). */
  initialMs?: number
  /** The longest delay (default 30 s): an engine that comes back is noticed within this time. */
  maxMs?: number
}

export interface Backoff {
  /** The delay before the next attempt; each call doubles the following one, up to `maxMs`. */
  next(): number
  /** A connection succeeded: the next failure starts again at `initialMs`. */
  reset(): void
}

/**
 * Exponential backoff without jitter: there is one client per engine, so there is no herd to spread,
 * and a fixed schedule keeps the reconnect behaviour predictable.
 *
 * @example
 * const backoff = createBackoff({ initialMs: 100, maxMs: 1000 })
 * backoff.next() // 100, then 200, 400, 800, 1000, 1000, ...
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = Math.max(1, options.initialMs ?? 250)
  const maxMs = Math.max(initialMs, options.maxMs ?? 30_000)
  let attempt = 0
  return {
    next() {
      const delay = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30))
      attempt += 1
      return delay
    },
    reset() {
      attempt = 0
    },
  }
}
