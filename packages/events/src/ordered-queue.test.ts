import { describe, expect, it } from "vitest"

import { createOrderedQueue } from "./ordered-queue.ts"

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe("createOrderedQueue", () => {
  it("handles items one at a time in push order while the producer goes on", async () => {
    const handled: number[] = []
    let active = 0
    let peak = 0
    const queue = createOrderedQueue<number>({
      max: 100,
      handle: async (item) => {
        active += 1
        peak = Math.max(peak, active)
        await tick()
        handled.push(item)
        active -= 1
      },
    })
    for (let item = 0; item < 10; item += 1) await queue.push(item)
    expect(handled.length).toBeLessThan(10)
    await queue.drained()
    expect(handled).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(peak).toBe(1)
  })

  it("makes the producer wait while the queue is full", async () => {
    const gate: (() => void)[] = []
    const queue = createOrderedQueue<number>({ max: 2, handle: () => new Promise((resolve) => gate.push(resolve)) })
    await queue.push(1)
    await queue.push(2)
    let third = false
    const pushed = queue.push(3).then(() => {
      third = true
    })
    await tick()
    expect(third).toBe(false)
    gate.shift()?.()
    await pushed
    expect(third).toBe(true)
    while (gate.length > 0 || queue.size > 0) {
      gate.shift()?.()
      await tick()
    }
    await queue.drained()
  })

  it("after stop, finishes the item in progress and drops the rest", async () => {
    const handled: number[] = []
    const queue = createOrderedQueue<number>({
      max: 10,
      handle: async (item) => {
        await tick()
        handled.push(item)
      },
    })
    for (const item of [1, 2, 3]) await queue.push(item)
    queue.stop()
    await queue.drained()
    await queue.push(4)
    expect(handled).toEqual([1])
    expect(queue.size).toBe(0)
  })
})
