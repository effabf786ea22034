import { asc, getTableColumns } from "drizzle-orm"
import { plugins } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"

import { DB } from "./db.ts"
import { createPluginRegistry } from "./plugin-registry.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()

const input = { name: "p", version: "1", repoType: "local" as const, repository: "r", manifest: "m", author: {}, plugin: "export default {}" }

describe("plugin registry", () => {
  it("lists metadata exactly as drizzle maps the same select: nulls, JSON columns, booleans, key order", () => {
    const db = new DB(tempDb())
    const registry = createPluginRegistry(db)
    registry.insert({ ...input, name: "bare" })
    const full = registry.insert({
      ...input,
      name: "full",
      description: "all columns set",
      tags: ["a", "b"],
      author: { name: "me", email: "me@example.com" },
      permissions: { network: ["api.example.com"], env: ["TOKEN"] },
    }, { runtime: "worker" })
    registry.setEnabled(full, false)

    const { plugin: _code, ...metadata } = getTableColumns(plugins)
    const viaDrizzle = db.drizzle.select(metadata).from(plugins).orderBy(asc(plugins.id)).all()
    const listed = registry.list()
    expect(listed).toEqual(viaDrizzle)
    expect(listed.map((row) => Object.keys(row))).toEqual(viaDrizzle.map((row) => Object.keys(row)))
    expect(listed[0]).toMatchObject({ description: null, tags: null, enabled: true, runtime: null, author: {} })
    expect(listed[1]).toMatchObject({ tags: ["a", "b"], enabled: false, runtime: "worker", permissions: { network: ["api.example.com"], env: ["TOKEN"] } })
    db.close()
  })
})
