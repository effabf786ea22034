import { describe, expect, it } from "vitest"

import { createBackoff } from "./backoff.ts"

describe("createBackoff", () => {
  it("doubles from the initial delay up to the maximum, and starts over after a reset", () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 1000 })
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000])
    backoff.reset()
    expect(backoff.next()).toBe(100)
  })

  it("defaults to 250 ms up to 30 s and never overflows", () => {
    const backoff = createBackoff()
    expect(backoff.next()).toBe(250)
    for (let attempt = 0; attempt < 100; attempt += 1) backoff.next()
    expect(backoff.next()).toBe(30_000)
  })
})
