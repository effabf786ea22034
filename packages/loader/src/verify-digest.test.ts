import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "libsql"
import { afterEach, describe, expect, it } from "vitest"
import { DB, codeDigest, createPluginRegistry, createPluginSigner } from "@dockstat/plugin-store"

import type { Logger, PluginRow } from "@dockstat/plugin-schema"

import { loadPlugin } from "./load-plugin.ts"

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const GOOD = "export default { config: { apiRoutes: { '/who': { actions: ['who'] } }, actions: { who: () => 'good' } } }"
const EVIL = "export default { config: { apiRoutes: { '/who': { actions: ['who'] } }, actions: { who: () => 'evil' } } }"

/** A file DB with one plugin stored through the registry; returns its path. */
function installed(): string {
  const dir = mkdtempSync(join(tmpdir(), "dockstat-digest-"))
  dirs.push(dir)
  const path = join(dir, "app.db")
  const db = new DB(path)
  createPluginRegistry(db).insert({ name: "p", version: "1", repoType: "local", repository: "r", manifest: "m", author: {}, plugin: GOOD, permissions: { network: ["api.example.com"] } })
  db.close()
  return path
}

/** What someone who can write the database file, but not read the host key, can do. */
function rewrite(path: string, sql: string, params: unknown[]): void {
  const client = new Database(path)
  client.prepare(sql).run(params)
  client.close()
}

async function load(path: string): Promise<unknown> {
  const db = new DB(path)
  try {
    const row = createPluginRegistry(db).get(1) as PluginRow
    const { instance } = await loadPlugin(row, { db, logger: silent, runtime: "inline" })
    const answer = await instance.runRoute("/who", { body: undefined, params: {}, query: {}, headers: {}, method: "GET", path: "/who" })
    await instance.dispose()
    return answer
  } finally {
    db.close()
  }
}

describe("the keyed digest at load", () => {
  it("lets the stored plugin run as installed", async () => {
    expect(await load(installed())).toBe("good")
  })

  it("refuses code and digest rewritten together in the DB file with a plain sha256", async () => {
    const path = installed()
    rewrite(path, "UPDATE plugins SET plugin = ?, digest = ? WHERE id = 1", [EVIL, codeDigest(EVIL)])
    // It looks like an install from before keyed digests, which is refused until an admin re-signs it.
    await expect(load(path)).rejects.toThrow(/Could not load plugin "p" \(id 1\): its digest is the unkeyed sha256 .* anyone who can write the database could forge/)
  })

  it("refuses code and digest rewritten together with an HMAC under another key", async () => {
    const path = installed()
    const forged = createPluginSigner(Buffer.alloc(32, 3)).sign({ name: "p", plugin: EVIL, permissions: { network: ["api.example.com"], env: [] } })
    rewrite(path, "UPDATE plugins SET plugin = ?, digest = ? WHERE id = 1", [EVIL, forged])
    await expect(load(path)).rejects.toThrow(/do not match the keyed digest stored at install \(changed behind the handler's back, or signed with another host key\)/)
  })

  it("refuses permissions rewritten alone, widened or reordered", async () => {
    for (const permissions of ['{"network":["api.example.com","evil.example.com"],"env":[]}', '{"network":["api.example.com"],"env":["AWS_SECRET_ACCESS_KEY"]}', '{"network":[],"env":[]}']) {
      const path = installed()
      rewrite(path, "UPDATE plugins SET permissions = ? WHERE id = 1", [permissions])
      await expect(load(path)).rejects.toThrow(/do not match the keyed digest stored at install/)
    }
  })

  it("refuses a plugin's signed code and permissions moved under another name", async () => {
    const path = installed()
    rewrite(path, "UPDATE plugins SET name = 'other' WHERE id = 1", [])
    await expect(load(path)).rejects.toThrow(/Could not load plugin "other" \(id 1\).*do not match the keyed digest/)
  })

  it("refuses an install from before keyed digests, saying how to re-sign it", async () => {
    const path = installed()
    rewrite(path, "UPDATE plugins SET digest = ?, permissions = '{\"network\":[],\"env\":[]}' WHERE id = 1", [codeDigest(GOOD)])
    await expect(load(path)).rejects.toThrow(/its digest is the unkeyed sha256 stored before digests were keyed.*handler\.resignPlugins\(\) \(demo CLI: dockstat-plugins resign\)/)
  })
})
