import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { generateSQLiteDrizzleJson, generateSQLiteMigration } from "drizzle-kit/api"
import { eventCursors, hostLeases, hostSettings, pluginTables, plugins, registryChanges } from "@dockstat/plugin-schema"

import { DB, MIGRATIONS_FOLDER } from "./db.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()

describe("DB", () => {
  it("applies the host migrations when a file DB opens", () => {
    const db = new DB(tempDb())
    const tables = db.query("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all().map((row) => row.name)
    expect(tables).toEqual(expect.arrayContaining(["plugins", "plugin_tables", "__drizzle_migrations"]))
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" })
    expect(db.query("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 })
    db.close()
  })

  it("works in memory", () => {
    const db = new DB(":memory:")
    expect(db.inMemory).toBe(true)
    expect(db.tableExists("plugins")).toBe(true)
    db.close()
  })

  it("re-opens an existing file without re-running migrations or losing rows", () => {
    const path = tempDb()
    const first = new DB(path)
    first.query("INSERT INTO plugins (name, version, repo_type, repository, manifest, author, plugin, digest) VALUES ('a','1','local','local','local','{}','export default {}','x')").run()
    first.close()
    const second = new DB(path)
    expect(second.query("SELECT COUNT(*) AS n FROM plugins").get()).toEqual({ n: 1 })
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: unknown[] }
    expect(second.query("SELECT COUNT(*) AS n FROM __drizzle_migrations").get()).toEqual({ n: journal.entries.length })
    second.close()
  })

  it("rejects an empty path with a message naming it", () => {
    expect(() => new DB("")).toThrow(/DB path must be a non-empty string/)
  })

  it("rolls a transaction back when it throws", () => {
    const db = new DB(":memory:")
    expect(() =>
      db.transaction(() => {
        db.query("INSERT INTO plugins (name, version, repo_type, repository, manifest, author, plugin, digest) VALUES ('a','1','local','l','l','{}','c','d')").run()
        throw new Error("boom")
      }),
    ).toThrow("boom")
    expect(db.query("SELECT COUNT(*) AS n FROM plugins").get()).toEqual({ n: 0 })
    db.close()
  })
})

describe("host migrations", () => {
  it("match the Drizzle schema in packages/schema (run `pnpm db:generate` when this fails)", async () => {
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: { idx: number; tag: string }[] }
    const last = journal.entries.at(-1)
    expect(last).toBeDefined()
    const snapshotFile = join(MIGRATIONS_FOLDER, "meta", `${String(last?.idx).padStart(4, "0")}_snapshot.json`)
    const snapshot = JSON.parse(readFileSync(snapshotFile, "utf8"))
    const current = await generateSQLiteDrizzleJson({ plugins, pluginTables, hostSettings, registryChanges, hostLeases, eventCursors })
    expect(await generateSQLiteMigration(snapshot, current)).toEqual([])
  })
})
