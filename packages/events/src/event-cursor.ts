import { formatEngineTime } from "./engine-event.ts"

import type { DecodedEngineEvent } from "./engine-event.ts"

/**
 * Where the source stands in the engine's event history, so a new connection resumes exactly there.
 *
 * The engine's `since` is inclusive (every event with timeNano >= since comes again) and events have no
 * id, so the cursor keeps the keys of the events it already took at its newest nanosecond and, after a
 * reconnect, skips exactly those (counted, should two identical events share a nanosecond).
 */
export interface EventCursor {
  /** The `since` value for the next connection, or undefined when nothing is known yet. */
  since(): string | undefined
  /** Sets the starting point when no event was seen yet (the user's `since`, or the engine's clock). */
  setStart(nanos: bigint): void
  /** Call when a new connection opens: the events it repeats at the cursor's nanosecond will be skipped. */
  beginConnection(): void
  /** Whether the event repeats one taken before this connection (then it is skipped, not taken). */
  isRepeat(decoded: DecodedEngineEvent): boolean
  /**
   * Records an event as handled. Called after delivery, so an event interrupted by `stop()` is not
   * marked and comes again when the source starts anew.
   */
  take(decoded: DecodedEngineEvent): void
}

/**
 * @example
 * const cursor = createEventCursor()
 * if (!cursor.isRepeat(decoded)) {
 *   await deliver(decoded)
 *   cursor.take(decoded)
 * }
 * // after a reconnect:
 * cursor.beginConnection(); request(`/events?since=${cursor.since()}`)
 */
export function createEventCursor(): EventCursor {
  let newest: bigint | undefined
  let seenAtNewest = new Map<string, number>()
  let repeats = new Map<string, number>()
  return {
    since: () => (newest === undefined ? undefined : formatEngineTime(newest)),
    setStart(nanos) {
      if (newest !== undefined) return
      newest = nanos
      seenAtNewest = new Map()
    },
    beginConnection() {
      repeats = new Map(seenAtNewest)
    },
    isRepeat({ timeNano, key }) {
      if (timeNano !== newest) return false
      const left = repeats.get(key) ?? 0
      if (left === 0) return false
      repeats.set(key, left - 1)
      return true
    },
    take({ timeNano, key }) {
      if (timeNano === newest) {
        seenAtNewest.set(key, (seenAtNewest.get(key) ?? 0) + 1)
        return
      }
      // An event older than the cursor cannot be a repeat (the engine filters those out by `since`);
      // it means the engine's clock went back. It was delivered, but the cursor stays at the newest time
      // so that a reconnect does not replay everything after the older one.
      if (newest === undefined || timeNano > newest) {
        newest = timeNano
        seenAtNewest = new Map([[key, 1]])
        repeats = new Map()
      }
    },
  }
}
