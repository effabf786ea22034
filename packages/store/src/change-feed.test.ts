import { afterEach, describe, expect, it } from "vitest"
import { column } from "@dockstat/plugin-schema"

import { createChangeFeed } from "./change-feed.ts"
import type { ChangeBatch } from "./change-feed.ts"
import { DB } from "./db.ts"
import { ensurePluginTable } from "./plugin-table.ts"
import { createPluginRegistry } from "./plugin-registry.ts"
import { changesSince, KEPT_CHANGES, registryVersion } from "./registry-changes.ts"
import { createTableApi } from "./table-api.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()
const open: DB[] = []
afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

const input = (name: string, version = "1.0.0") => ({ name, version, repoType: "local" as const, repository: "r", manifest: "m", author: {}, plugin: "export default {}" })

/** Two connections to one file, as two processes have (a key given, so both sign alike). */
function twoConnections() {
  const path = tempDb()
  const key = "a".repeat(64)
  const first = new DB(path, { key })
  const second = new DB(path, { key })
  open.push(first, second)
  return { first, second }
}

describe("the registry's change feed", () => {
  it("records every install, update, enable, disable and delete in the transaction that made it", () => {
    const { first } = twoConnections()
    const registry = createPluginRegistry(first)
    const id = registry.insert(input("a"))
    registry.update(id, input("a", "2.0.0"))
    registry.setEnabled(id, false)
    registry.setEnabled(id, true)
    registry.remove(id)
    expect(changesSince(first, 0).map(({ pluginId, kind, version, origin }) => ({ pluginId, kind, version, origin }))).toEqual([
      { pluginId: id, kind: "install", version: "1.0.0", origin: first.origin },
      { pluginId: id, kind: "update", version: "2.0.0", origin: first.origin },
      { pluginId: id, kind: "disable", version: "2.0.0", origin: first.origin },
      { pluginId: id, kind: "enable", version: "2.0.0", origin: first.origin },
      { pluginId: id, kind: "delete", version: null, origin: first.origin },
    ])
    expect(registryVersion(first)).toBe(5)
    // A write that changed nothing (unknown id) is no change.
    expect(registry.setEnabled(999, false)).toBe(false)
    expect(registry.remove(999)).toBe(false)
    expect(registryVersion(first)).toBe(5)
  })

  it("loses the change with the write: a rolled-back install leaves neither row nor change", () => {
    const { first } = twoConnections()
    const registry = createPluginRegistry(first)
    expect(() =>
      first.transaction(() => {
        registry.insert(input("a"))
        throw new Error("the table migration failed")
      }),
    ).toThrow("the table migration failed")
    expect(registry.count()).toBe(0)
    expect(registryVersion(first)).toBe(0)
    // The next change takes the id the rolled-back one had: ids stay consecutive.
    registry.insert(input("b"))
    expect(changesSince(first, 0).map((change) => change.id)).toEqual([1])
  })

  it("tells a connection about the other connections' changes, not its own", () => {
    const { first, second } = twoConnections()
    const batches: ChangeBatch[] = []
    const feed = createChangeFeed(first, { onBatch: (batch) => batches.push(batch) })
    feed.start()
    try {
      const mine = createPluginRegistry(first).insert(input("mine"))
      expect(feed.poll()).toBe(false)
      const theirs = createPluginRegistry(second).insert(input("theirs"))
      createPluginRegistry(second).setEnabled(theirs, false)
      expect(feed.poll()).toBe(true)
      expect(batches).toEqual([
        {
          changes: [expect.objectContaining({ pluginId: theirs, kind: "install" }), expect.objectContaining({ pluginId: theirs, kind: "disable" })],
          missed: false,
          version: 3,
        },
      ])
      expect(feed.version).toBe(3)
      // Nothing new: no batch.
      expect(feed.poll()).toBe(false)
      // Its own change read together with another's is still left out.
      createPluginRegistry(first).setEnabled(mine, false)
      createPluginRegistry(second).remove(theirs)
      expect(feed.poll()).toBe(true)
      expect(batches.at(-1)?.changes.map((change) => [change.pluginId, change.kind])).toEqual([[theirs, "delete"]])
    } finally {
      feed.stop()
    }
  })

  it("reads nothing when only plugin tables changed (data_version moved, no change recorded)", async () => {
    const { first, second } = twoConnections()
    const config = { name: "items", columns: { id: column.id(), name: column.text() } }
    await ensurePluginTable(second, "p", config)
    const batches: ChangeBatch[] = []
    const feed = createChangeFeed(first, { onBatch: (batch) => batches.push(batch) })
    feed.start()
    try {
      createTableApi(second.client, "items", config.columns).insert({ name: "x" })
      expect(feed.poll()).toBe(false)
      expect(batches).toEqual([])
    } finally {
      feed.stop()
    }
  })

  it("reads the feed only when data_version moved: a check costs one pragma, no table read", () => {
    const { first, second } = twoConnections()
    const batches: ChangeBatch[] = []
    const feed = createChangeFeed(first, { onBatch: (batch) => batches.push(batch) })
    feed.start()
    try {
      // A change row written on the feed's own connection (as if by another process, by its origin):
      // data_version does not move for a connection's own commits, so the feed does not look.
      first.query("INSERT INTO registry_changes (plugin_id, kind, version, origin) VALUES (7, 'install', '1', 'elsewhere')").run()
      expect(feed.poll()).toBe(false)
      // Another connection commits anything: now it reads, and finds both.
      createPluginRegistry(second).insert(input("b"))
      expect(feed.poll()).toBe(true)
      expect(batches[0]?.changes.map((change) => change.pluginId)).toEqual([7, 1])
    } finally {
      feed.stop()
    }
  })

  it("says when changes were pruned before it read them, and keeps the registry version growing", () => {
    const { first, second } = twoConnections()
    const batches: ChangeBatch[] = []
    const feed = createChangeFeed(first, { onBatch: (batch) => batches.push(batch) })
    feed.start()
    try {
      const registry = createPluginRegistry(second)
      const id = registry.insert(input("busy"))
      second.transaction(() => {
        for (let index = 0; index < KEPT_CHANGES + 5; index++) registry.setEnabled(id, index % 2 === 0)
      })
      expect(first.query("SELECT count(*) AS n FROM registry_changes").get()).toEqual({ n: KEPT_CHANGES })
      expect(feed.poll()).toBe(true)
      expect(batches[0]?.missed).toBe(true)
      expect(batches[0]?.version).toBe(KEPT_CHANGES + 6)
      expect(registryVersion(first)).toBe(KEPT_CHANGES + 6)
    } finally {
      feed.stop()
    }
  })

  it("polls on an unref'd timer and notices another connection's change by itself", async () => {
    const { first, second } = twoConnections()
    const batches: ChangeBatch[] = []
    const feed = createChangeFeed(first, { intervalMs: 20, onBatch: (batch) => batches.push(batch) })
    feed.start()
    try {
      createPluginRegistry(second).insert(input("later"))
      await expect.poll(() => batches.length, { timeout: 10_000 }).toBe(1)
    } finally {
      feed.stop()
    }
  })
})
