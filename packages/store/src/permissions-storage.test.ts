import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "libsql"
import { drizzle } from "drizzle-orm/better-sqlite3"
import { migrate } from "drizzle-orm/better-sqlite3/migrator"
import { afterEach, describe, expect, it } from "vitest"

import { DB, MIGRATIONS_FOLDER } from "./db.ts"
import { codeDigest } from "./plugin-digest.ts"
import { createPluginRegistry } from "./plugin-registry.ts"
import { resignUnkeyedPlugins } from "./resign-plugins.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const input = { name: "p", version: "1", repoType: "local" as const, repository: "r", manifest: "m", author: {}, plugin: "export default {}" }

/** A database as the host made it before the permissions column: only the first migration applied. */
function createOldDatabase(path: string): void {
  const folder = mkdtempSync(join(tmpdir(), "dockstat-old-migrations-"))
  dirs.push(folder)
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] }
  const first = journal.entries[0] as { tag: string }
  mkdirSync(join(folder, "meta"))
  cpSync(join(MIGRATIONS_FOLDER, `${first.tag}.sql`), join(folder, `${first.tag}.sql`))
  writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries: [first] }))
  const client = new Database(path)
  migrate(drizzle({ client: client as never }), { migrationsFolder: folder })
  client
    .prepare("INSERT INTO plugins (name, version, repo_type, repository, manifest, author, plugin, digest) VALUES (?, '1', 'local', 'r', 'm', '{}', ?, ?)")
    .run(["old", "export default { name: 'old' }", codeDigest("export default { name: 'old' }")])
  client.prepare("INSERT INTO plugins (name, version, repo_type, repository, manifest, author, plugin, digest) VALUES (?, '1', 'local', 'r', 'm', '{}', ?, ?)").run(["changed", "evil()", codeDigest("export default {}")])
  client.close()
}

describe("stored permissions", () => {
  it("round-trip through the registry, normalized, and are covered by the digest", () => {
    const db = new DB(tempDb())
    const registry = createPluginRegistry(db)
    const id = registry.insert({ ...input, permissions: { network: ["B.example.com", "a.example.com:8443"], env: ["TOKEN", "TOKEN"] } })
    const row = registry.get(id)
    expect(row?.permissions).toEqual({ network: ["a.example.com:8443", "b.example.com"], env: ["TOKEN"] })
    expect(db.query("SELECT permissions FROM plugins WHERE id = ?").get(id)).toEqual({ permissions: '{"network":["a.example.com:8443","b.example.com"],"env":["TOKEN"]}' })
    expect(registry.list()[0]?.permissions).toEqual(row?.permissions)
    expect(db.signer.check(row as NonNullable<typeof row>)).toBe("valid")
    registry.update(id, { ...input })
    expect(registry.get(id)?.permissions).toEqual({ network: [], env: [] })
    db.close()
  })

  it("reach a database created before the column: old rows get none, and stay refused until re-signed", () => {
    const path = tempDb()
    createOldDatabase(path)
    const db = new DB(path)
    const registry = createPluginRegistry(db)
    const [old, changed] = [registry.get(1), registry.get(2)]
    expect(old?.permissions).toEqual({ network: [], env: [] })
    expect(db.signer.check(old as NonNullable<typeof old>)).toBe("unkeyed")
    expect(db.signer.check(changed as NonNullable<typeof changed>)).toBe("invalid")

    const report = resignUnkeyedPlugins(db)
    expect(report.resigned).toEqual([{ id: 1, name: "old" }])
    expect(report.skipped).toEqual([{ id: 2, name: "changed", reason: expect.stringMatching(/does not match its digest.*reinstall it/) }])
    expect(db.signer.check(registry.get(1) as NonNullable<typeof old>)).toBe("valid")
    expect(db.signer.check(registry.get(2) as NonNullable<typeof old>)).toBe("invalid")
    // Once is enough: a second run finds nothing more to do.
    expect(resignUnkeyedPlugins(db).resigned).toEqual([])
    db.close()
  })

  it("re-signs no old row that declares permissions (an old install could not have any)", () => {
    const path = tempDb()
    createOldDatabase(path)
    const db = new DB(path)
    db.query(`UPDATE plugins SET permissions = '{"network":["evil.example.com"],"env":[]}' WHERE id = 1`).run()
    const report = resignUnkeyedPlugins(db, [1, 9])
    expect(report.resigned).toEqual([])
    expect(report.skipped).toEqual([
      { id: 9, name: null, reason: "no such plugin" },
      { id: 1, name: "old", reason: expect.stringMatching(/declares permissions/) },
    ])
    db.close()
  })
})
