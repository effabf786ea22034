import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import { DB } from "./db.ts"
import { PLUGIN_KEY_ENV, resolvePluginKey } from "./plugin-key.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()
const HEX_KEY = "ab".repeat(32)
const savedEnv = process.env[PLUGIN_KEY_ENV]

afterEach(() => {
  if (savedEnv === undefined) delete process.env[PLUGIN_KEY_ENV]
  else process.env[PLUGIN_KEY_ENV] = savedEnv
})

const fields = { name: "p", plugin: "export default {}", permissions: { network: [], env: [] } }

describe("the host key for plugin digests", () => {
  it("is created once beside the database file, mode 0600, and never inside the database", () => {
    delete process.env[PLUGIN_KEY_ENV]
    const path = tempDb()
    const db = new DB(path)
    expect(db.keySource).toEqual({ kind: "file", file: `${path}.key` })
    const key = readFileSync(`${path}.key`, "utf8").trim()
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    if (process.platform !== "win32") expect(statSync(`${path}.key`).mode & 0o777).toBe(0o600)
    // No table, column or row of the database file holds the key.
    db.close()
    expect(readFileSync(path).includes(Buffer.from(key))).toBe(false)
    expect(readFileSync(path).includes(Buffer.from(key, "hex"))).toBe(false)
    // Re-opening reuses it: what one connection signed, the next accepts.
    const signed = new DB(path).signer.sign(fields)
    expect(readFileSync(`${path}.key`, "utf8").trim()).toBe(key)
    const again = new DB(path)
    expect(again.signer.check({ ...fields, digest: signed })).toBe("valid")
    again.close()
  })

  it("takes, in order, the key option, the keyFile option, then $DOCKSTAT_PLUGIN_KEY", () => {
    process.env[PLUGIN_KEY_ENV] = HEX_KEY
    const path = tempDb()
    expect(resolvePluginKey(path, false, { key: Buffer.alloc(32, 1) }).source.kind).toBe("option")
    const keyFile = join(dirname(path), "elsewhere", "host.key")
    expect(() => resolvePluginKey(path, false, { keyFile })).toThrow(/ENOENT/)
    const dir = mkdtempSync(join(tmpdir(), "dockstat-key-"))
    try {
      const file = join(dir, "host.key")
      expect(resolvePluginKey(path, false, { keyFile: file }).source).toEqual({ kind: "file", file })
      expect(statSync(file).mode & 0o777).toBe(0o600)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const fromEnv = resolvePluginKey(path, false)
    expect(fromEnv.source.kind).toBe("env")
    expect(fromEnv.key.toString("hex")).toBe(HEX_KEY)
    // With the key from the environment, nothing is written beside the database.
    expect(() => statSync(`${path}.key`)).toThrow(/ENOENT/)
  })

  it("reads hex or base64 and refuses short or malformed keys without printing them", () => {
    const base64 = Buffer.alloc(48, 7).toString("base64")
    expect(resolvePluginKey(":memory:", true, { key: base64 }).key).toEqual(Buffer.alloc(48, 7))
    expect(() => resolvePluginKey(":memory:", true, { key: "abcd" })).toThrow("The plugin key from the key option has 2 bytes; it needs at least 32")
    process.env[PLUGIN_KEY_ENV] = "not a key!"
    expect(() => new DB(":memory:")).toThrow("The plugin key from $DOCKSTAT_PLUGIN_KEY is neither hex nor base64")
    process.env[PLUGIN_KEY_ENV] = "0123456789abcdef"
    expect(() => new DB(":memory:")).toThrow(/has 8 bytes; it needs at least 32/)
    try {
      new DB(":memory:")
    } catch (error) {
      expect(String(error)).not.toContain("0123456789abcdef")
    }
  })

  it("refuses a key file that is the database itself", () => {
    const path = tempDb()
    expect(() => new DB(path, { keyFile: path })).toThrow(/must be outside the database/)
    expect(() => new DB(path, { keyFile: `${path}-wal` })).toThrow(/must be outside the database/)
  })

  it("gives each :memory: database its own random key", () => {
    delete process.env[PLUGIN_KEY_ENV]
    const a = new DB(":memory:")
    const b = new DB(":memory:")
    expect(a.keySource).toEqual({ kind: "ephemeral", file: null })
    expect(b.signer.check({ ...fields, digest: a.signer.sign(fields) })).toBe("invalid")
    a.close()
    b.close()
  })

  it("keeps an existing key file as it is", () => {
    delete process.env[PLUGIN_KEY_ENV]
    const path = tempDb()
    writeFileSync(`${path}.key`, `${Buffer.alloc(32, 9).toString("base64")}\n`, { mode: 0o600 })
    const db = new DB(path)
    const other = new DB(":memory:", { key: Buffer.alloc(32, 9) })
    expect(other.signer.check({ ...fields, digest: db.signer.sign(fields) })).toBe("valid")
    db.close()
    other.close()
  })
})
