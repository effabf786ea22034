import { describe, expect, it } from "vitest"
import { column } from "@dockstat/plugin-schema"
import { DB, createTableApi, ensurePluginTable } from "@dockstat/plugin-store"

import { RegExpSpec, decodeValue } from "./sandbox-codec.ts"
import { replayTableOps } from "./sandbox-replay.ts"
import { CHAIN_METHODS, TABLE_TERMINALS } from "./sandbox-table.ts"

async function table() {
  const db = new DB(":memory:")
  const config = { name: "replay_rows", columns: { id: column.id(), label: column.text() } }
  await ensurePluginTable(db, "replay", config)
  return createTableApi(db.client, config.name, config.columns)
}

describe("replaying a sandbox's table calls on the host", () => {
  it("lists exactly the table API's methods (the lists are kept here too: the guest bundle cannot import the store)", async () => {
    const api = await table()
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(api)).filter((name) => name !== "constructor")
    expect([...new Set([...CHAIN_METHODS, ...TABLE_TERMINALS])].sort()).toEqual(methods.sort())
  })

  it("runs listed chains: insert, select with where/order/limit, count, update and delete", async () => {
    const api = await table()
    expect(replayTableOps(api, [["insert", [[{ label: "a" }, { label: "b" }]]]])).toEqual({ insertId: 2, changes: 2 })
    expect(replayTableOps(api, [["select", [["label"]]], ["orderBy", ["id", "desc"]], ["limit", [1]], ["all", []]])).toEqual([{ label: "b" }])
    expect(replayTableOps(api, [["where", [{ label: "a" }]], ["update", [{ label: "c" }]]])).toEqual({ changes: 1 })
    expect(replayTableOps(api, [["count", []]])).toBe(2)
    expect(replayTableOps(api, [["where", [{ id: 1 }]], ["delete", []]])).toEqual({ changes: 1 })
  })

  it("refuses anything else: unknown methods, prototype names, wrong order, malformed operations", async () => {
    const api = await table()
    const refused: unknown[] = [
      [["constructor", []]],
      [["select", []], ["constructor", []]],
      [["__proto__", []]],
      [["toString", []]],
      [["select", []], ["insert", [{}]]],
      [["all", []], ["all", []]],
      [["select", "not-an-array"]],
      ["select"],
      [],
      Array.from({ length: 65 }, () => ["where", [{}]]),
      "select",
    ]
    for (const ops of refused) expect(() => replayTableOps(api, ops), JSON.stringify(ops)?.slice(0, 80)).toThrow(/table call refused/)
    // Writes that need a where reach the table, which refuses them as it does in every runtime.
    expect(() => replayTableOps(api, [["update", [{ label: "x" }]]])).toThrow(/update\(\) needs a where\(\) clause/)
    expect(() => replayTableOps(api, [["delete", []]])).toThrow(/delete\(\) needs a where\(\) clause/)
    expect(api.count()).toBe(0)
  })

  it("hands whereRgx patterns to the runtime's matcher, never compiling them on the host", async () => {
    const api = await table()
    replayTableOps(api, [["insert", [[{ label: "apple" }, { label: "banana" }, { label: null }]]]])
    // As the guest sends it: a RegExp tagged in JSON, decoded to plain data.
    const ops = decodeValue(JSON.stringify([["whereRgx", [{ label: { __dockstat_regexp__: { source: "an", flags: "i" } } }]], ["pluck", ["label"]]]))
    const seen: [string, string, string[]][] = []
    const regex = (source: string, flags: string) => (values: string[]) => {
      seen.push([source, flags, values])
      return values.map((value) => value.includes(source))
    }
    expect(replayTableOps(api, ops, { regex })).toEqual(["banana"])
    expect(seen).toEqual([["an", "i", ["apple", "banana"]]])
    // A pattern string goes the same way.
    expect(replayTableOps(api, [["whereRgx", [{ label: "pp" }]], ["count", []]], { regex })).toBe(1)
    expect(() => replayTableOps(api, ops)).toThrow(/table call refused: whereRgx is not available here/)
    expect(() => replayTableOps(api, [["whereRgx", [{ label: new RegExpSpec("a".repeat(5000), "") }]], ["all", []]], { regex })).toThrow(/longer than 4096/)
    expect(() => replayTableOps(api, [["whereRgx", [{ label: new RegExpSpec("a", "x") }]], ["all", []]], { regex })).toThrow(/unknown flags/)
    expect(JSON.stringify(new RegExpSpec("a", "g"))).toBe("{}")
  })
})
