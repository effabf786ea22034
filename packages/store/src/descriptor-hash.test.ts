import { describe, expect, it } from "vitest"

import type { TableConfig } from "@dockstat/plugin-schema"

import { descriptorHash, stableJson } from "./plugin-table.ts"

/** How descriptor hashes were made before (copy with sorted keys, then JSON.stringify): stored hashes depend on it. */
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy)
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedCopy((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

describe("descriptor hashes", () => {
  it("stay what they were for a stored table (a warm start must not diff every table again)", () => {
    const config = {
      name: "bench_items",
      columns: { id: { kind: "id" }, label: { kind: "text", notNull: true, default: "x" }, n: { kind: "integer", default: 3 }, seen: { kind: "date", defaultNow: true } },
      jsonColumns: [],
    } as TableConfig
    expect(descriptorHash(config)).toBe("0c977d88ebc239cfbcc07f119f893fd0e1f7a835b9275cd2618477110e8ed465")
  })

  it.each([
    ["nested objects", { b: { d: 1, c: [2, { z: 1, a: 2 }] }, a: "x" }],
    ["undefined, functions and symbols", { a: undefined, b: () => 1, c: Symbol("s"), d: [undefined, () => 1, Symbol("t")], e: null }],
    ["holes", { a: [1, , 3] }],
    ["array-index keys", { b: 1, 10: "ten", 9: "nine", "01": "not an index", 4294967295: "too big", a: { 2: 2, 1: 1 } }],
    ["non-finite numbers and escapes", { a: Number.NaN, b: Number.POSITIVE_INFINITY, "q\"uote": "line\nbreak\u2028", c: -0 }],
    ["dates and boxed values", { a: new Date(0), b: new Number(3), c: new String("s"), d: [new Date(0)] }],
    ["a __proto__ key", JSON.parse('{"__proto__": {"b": 1, "a": 2}, "x": 1}')],
    ["a typed array", { a: new Uint8Array([3, 1]) }],
    ["top-level array", [{ b: 1, a: 2 }, "s", 1]],
    ["a string", "text"],
    ["keys in code-unit order: case, accents, astral, empty", { z: 1, Z: 2, "\u00e9": 3, "\ud83d\ude00": 4, "\uffff": 5, a1: 6, a: 7, "": 8, _: 9, "-": 10 }],
    ["more keys than the insertion sort takes", Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`k${(index * 7919) % 40}`, index]))],
  ])("are the sorted-copy JSON exactly: %s", (_, value) => {
    expect(stableJson(value)).toBe(JSON.stringify(sortedCopy(value)))
  })
})
