import { describe, expect, it } from "vitest"

import { decodeEngineEvent } from "./engine-event.ts"
import { createEventCursor } from "./event-cursor.ts"

const at = (nanos: bigint, id: string) =>
  decodeEngineEvent(`{"Type":"container","Action":"start","Actor":{"ID":"${id}"},"time":1,"timeNano":${nanos}}`)

describe("createEventCursor", () => {
  it("resumes at the newest event and skips exactly the events of that nanosecond it already took", () => {
    const cursor = createEventCursor()
    cursor.beginConnection()
    for (const event of [at(10n, "a"), at(20n, "b"), at(20n, "c")]) {
      expect(cursor.isRepeat(event)).toBe(false)
      cursor.take(event)
    }
    expect(cursor.since()).toBe("0.000000020")

    // The engine's since is inclusive: b and c come again, d is new at the same nanosecond.
    cursor.beginConnection()
    expect([at(20n, "b"), at(20n, "c"), at(20n, "d"), at(30n, "e")].map((event) => cursor.isRepeat(event))).toEqual([true, true, false, false])
  })

  it("counts identical events, so a second copy at the same nanosecond is still delivered", () => {
    const cursor = createEventCursor()
    cursor.take(at(5n, "a"))
    cursor.beginConnection()
    expect(cursor.isRepeat(at(5n, "a"))).toBe(true)
    expect(cursor.isRepeat(at(5n, "a"))).toBe(false)
  })

  it("does not skip within one connection, and an event not taken comes again", () => {
    const cursor = createEventCursor()
    cursor.take(at(5n, "a"))
    expect(cursor.isRepeat(at(5n, "a"))).toBe(false)
    // b was interrupted before delivery: not taken, so a new connection does not skip it.
    cursor.beginConnection()
    expect(cursor.isRepeat(at(5n, "b"))).toBe(false)
  })

  it("starts from a given time until the first event, and keeps the newest time when the clock goes back", () => {
    const cursor = createEventCursor()
    expect(cursor.since()).toBeUndefined()
    cursor.setStart(1_000_000_000n)
    expect(cursor.since()).toBe("1.000000000")
    cursor.take(at(2_000_000_000n, "a"))
    cursor.setStart(5n)
    cursor.take(at(1_500_000_000n, "b"))
    expect(cursor.since()).toBe("2.000000000")
  })
})
