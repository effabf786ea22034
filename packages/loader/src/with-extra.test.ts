import { describe, expect, it } from "vitest"

import { withExtra } from "./runtime-core.ts"

const symbol = Symbol("s")

describe("withExtra", () => {
  it.each([
    ["plain payload", { container: { id: "a" }, n: 1 }],
    ["payload overriding nothing, extra overriding the payload's logger", { logger: "theirs", table: "t", container: {} }],
    ["symbol keys", { [symbol]: 1, a: 2 }],
    ["a __proto__ own key stays an own key", JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')],
  ])("gives what the spread gives: %s", (_, payload: Record<string | symbol, unknown>) => {
    const extra = { logger: "ours", env: {} }
    const spread = { ...payload, ...extra }
    const merged = withExtra(payload, extra)
    expect(Reflect.ownKeys(merged)).toEqual(Reflect.ownKeys(spread))
    for (const key of Reflect.ownKeys(spread)) expect((merged as Record<string | symbol, unknown>)[key]).toBe((spread as Record<string | symbol, unknown>)[key])
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined()
  })
})
