import { randomBytes } from "node:crypto"
import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs"
import { resolve } from "node:path"

/** The environment variable holding the host key (hex or base64 of at least 32 bytes). */
export const PLUGIN_KEY_ENV = "DOCKSTAT_PLUGIN_KEY"
export const MIN_KEY_BYTES = 32

export interface PluginKeyOptions {
  /** The key itself: bytes, or hex / base64 text of at least 32 bytes. */
  key?: Uint8Array | string
  /** A file holding the key as hex or base64 text; created (0600) when missing. */
  keyFile?: string
}

/** Where the key came from: never the key itself, so this is safe to log. */
export interface PluginKeySource {
  kind: "option" | "env" | "file" | "ephemeral"
  /** The key file, for kind "file". */
  file: string | null
}

export interface ResolvedPluginKey {
  key: Buffer
  source: PluginKeySource
}

/**
 * The host key for plugin digests, kept outside the database file: `options.key`, else
 * `options.keyFile`, else $DOCKSTAT_PLUGIN_KEY, else `<dbfile>.key` beside the database (created once,
 * 0600, exclusively, so two processes opening the same new file agree on one key). A `:memory:`
 * database without a key gets a random one that dies with it. Errors never include key material.
 */
export function resolvePluginKey(dbPath: string, inMemory: boolean, options: PluginKeyOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedPluginKey {
  if (options.key !== undefined) return { key: parseKey(options.key, "the key option"), source: { kind: "option", file: null } }
  if (options.keyFile !== undefined) return fromFile(options.keyFile, dbPath, inMemory)
  const fromEnv = env[PLUGIN_KEY_ENV]
  if (fromEnv !== undefined && fromEnv.trim() !== "") return { key: parseKey(fromEnv, `$${PLUGIN_KEY_ENV}`), source: { kind: "env", file: null } }
  if (inMemory) return { key: randomBytes(MIN_KEY_BYTES), source: { kind: "ephemeral", file: null } }
  return fromFile(`${dbPath}.key`, dbPath, inMemory)
}

function fromFile(file: string, dbPath: string, inMemory: boolean): ResolvedPluginKey {
  const path = resolve(file)
  if (!inMemory && [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].some((db) => resolve(db) === path)) {
    throw new Error(`The plugin key file must be outside the database, got ${file}`)
  }
  return { key: readOrCreate(path), source: { kind: "file", file: path } }
}

function readOrCreate(path: string): Buffer {
  try {
    return parseKey(readFileSync(path, "utf8"), `key file ${path}`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
  }
  // Written whole to a private temp file, then linked into place: link fails if the key appeared
  // meanwhile, so a reader never sees a half-written key and two creators never both win.
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`
  const fd = openSync(temp, "wx", 0o600)
  try {
    writeSync(fd, `${randomBytes(MIN_KEY_BYTES).toString("hex")}\n`)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(temp, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
  } finally {
    unlinkSync(temp)
  }
  return parseKey(readFileSync(path, "utf8"), `key file ${path}`)
}

/** Hex (even length) first, else base64 / base64url; at least 32 bytes either way. */
export function parseKey(value: Uint8Array | string, what: string): Buffer {
  let key: Buffer
  if (typeof value !== "string") {
    key = Buffer.from(value)
  } else {
    const text = value.trim()
    if (/^[0-9a-f]+$/i.test(text) && text.length % 2 === 0) key = Buffer.from(text, "hex")
    else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) key = Buffer.from(text, "base64")
    else throw new Error(`The plugin key from ${what} is neither hex nor base64`)
  }
  if (key.length < MIN_KEY_BYTES) throw new Error(`The plugin key from ${what} has ${key.length} bytes; it needs at least ${MIN_KEY_BYTES}`)
  return key
}
