import { randomUUID } from "node:crypto"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import Database from "libsql"
import { drizzle } from "drizzle-orm/better-sqlite3"
import * as hostSchema from "@dockstat/plugin-schema"

import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3"

import { applyMigrations } from "./apply-migrations.ts"
import { cleanRow } from "./clean-row.ts"
import { MIGRATIONS_FOLDER } from "./migrations-folder.ts"
import { createPluginSigner } from "./plugin-digest.ts"
import type { PluginSigner } from "./plugin-digest.ts"
import { resolvePluginKey } from "./plugin-key.ts"
import { readReplicaOptions } from "./replica-options.ts"
import type { LibsqlReplicaOptions, ReplicaOptions } from "./replica-options.ts"
import { writeTransaction } from "./write-transaction.ts"
import type { PluginKeyOptions, PluginKeySource } from "./plugin-key.ts"

export { MIGRATIONS_FOLDER }

export type HostDrizzle = BetterSQLite3Database<{ plugins: typeof hostSchema.plugins; pluginTables: typeof hostSchema.pluginTables }>

/** The raw libsql connection (better-sqlite3's synchronous API). */
export type SqliteConnection = InstanceType<typeof Database>

/** A prepared statement with positional parameters. */
/**
 * A prepared statement. Parameters always go as one array: libsql reads a lone object argument (null and
 * Buffers included) as named parameters.
 */
export interface Statement {
  run(params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  get(params: unknown[]): unknown
  all(params: unknown[]): unknown[]
}


export interface Query {
  all(...params: unknown[]): Record<string, unknown>[]
  get(...params: unknown[]): Record<string, unknown> | undefined
  run(...params: unknown[]): { changes: number; lastInsertRowid: number }
}

/** The host connection's busy timeout: the longest SQLite may block the event loop waiting for a lock. */
export const HOST_BUSY_TIMEOUT_MS = 50

/**
 * How long opening waits for another process's lock (switching a new file to WAL, applying migrations):
 * a process opening its database serves nothing yet, and several starting together on a new file must
 * each get their turn rather than fail.
 */
export const OPEN_BUSY_TIMEOUT_MS = 30_000

export interface DBOptions extends PluginKeyOptions, ReplicaOptions {
  /** Apply the host migrations on open (default true). Worker connections to an open file skip it. */
  migrate?: boolean
  /**
   * Milliseconds SQLite waits for another connection's write lock before failing with "database is
   * locked" (default 50). The wait blocks the calling thread, the host's event loop for this connection,
   * so it is short: host writes that must happen retry between tries instead (`retryWhileBusy`), and a
   * plugin's table write that still finds the lock taken answers 503 with `Retry-After`.
   */
  busyTimeoutMs?: number
}

/**
 * The embedded libSQL database: synchronous, WAL, foreign keys on, host migrations applied on open.
 *
 * @example
 * const db = new DB("./app.db")          // or new DB(":memory:")
 * db.query("SELECT name FROM sqlite_master WHERE type='table'").all()
 */
export class DB {
  readonly path: string
  readonly client: SqliteConnection
  readonly drizzle: HostDrizzle
  /** Signs and checks plugin digests with the host key (see `resolvePluginKey` for where it comes from). */
  readonly signer: PluginSigner
  /** Where the host key came from (never the key). */
  readonly keySource: PluginKeySource
  /**
   * Identifies this connection in the registry's change feed (`registry_changes.origin`), so the
   * process that made a change does not apply it a second time.
   */
  readonly origin: string = randomUUID()
  /** The embedded replica's options (never the token), or undefined for a plain local file. */
  readonly replica: { syncUrl: string; syncPeriod: number | undefined; readYourWrites: boolean } | undefined
  readonly #statements = new Map<string, Statement>()

  constructor(path: string, options: DBOptions = {}) {
    if (typeof path !== "string" || path.length === 0) {
      throw new TypeError(`DB path must be a non-empty string (a file path or ":memory:"), got ${JSON.stringify(path)}`)
    }
    this.path = path
    if (!this.inMemory) mkdirSync(dirname(path), { recursive: true })
    // Before the file is opened: a bad key setting fails the open rather than the first load.
    const { key, source } = resolvePluginKey(path, this.inMemory, options)
    this.signer = createPluginSigner(key)
    this.keySource = source
    const replica = readReplicaOptions(path, this.inMemory, options)
    this.replica = replica === undefined ? undefined : { syncUrl: replica.syncUrl, syncPeriod: replica.syncPeriod, readYourWrites: replica.readYourWrites ?? true }
    this.client = openConnection(path, replica)
    try {
      if (replica === undefined) {
        // Opening waits its turn behind other processes opening the same new file; serving waits briefly.
        this.client.exec(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`)
        if (!this.inMemory) this.client.exec("PRAGMA journal_mode = WAL")
        this.client.exec("PRAGMA foreign_keys = ON")
      }
      // An embedded replica refuses busy_timeout and sends other PRAGMAs to the primary as writes: its
      // file, journal and locks are libsql's, and writes (migrations included) run on the primary.
      if (options.migrate !== false) applyMigrations(this.client, MIGRATIONS_FOLDER)
      if (replica === undefined) this.client.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? HOST_BUSY_TIMEOUT_MS)}`)
    } catch (error) {
      this.client.close()
      throw replica === undefined ? error : replicaError(path, replica, "prepare", error)
    }
    this.drizzle = drizzle({ client: this.client as never, schema: { plugins: hostSchema.plugins, pluginTables: hostSchema.pluginTables } })
  }

  get inMemory(): boolean {
    return this.path === ":memory:" || this.path.startsWith("file::memory:")
  }

  /** A cached prepared statement (bun:sqlite's `db.query(sql)` shape, as the seed's troubleshooting uses). */
  query(sql: string): Query {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = this.client.prepare(sql)
      this.#statements.set(sql, statement)
    }
    const prepared = statement
    return {
      all: (...params) => prepared.all(params) as Record<string, unknown>[],
      get: (...params) => cleanRow(prepared.get(params) as Record<string, unknown> | undefined),
      run: (...params) => {
        const info = prepared.run(params)
        return { changes: Number(info.changes), lastInsertRowid: Number(info.lastInsertRowid) }
      },
    }
  }

  /**
   * Runs `fn` in a write transaction: committed when it returns, rolled back when it throws. It takes the
   * write lock first, so a busy database throws SQLITE_BUSY before anything ran (see `writeTransaction`);
   * `retryWhileBusy` runs it again.
   */
  transaction<T>(fn: () => T, what?: string): T {
    return writeTransaction(this.client, fn, what)
  }

  /**
   * An embedded replica pulls what the primary has now (libsql's `sync()`); a no-op for a local file.
   * Background pulls happen every `syncPeriod` seconds by themselves.
   */
  sync(): void {
    if (this.replica !== undefined) this.client.sync()
  }

  /** Whether a table (or view) of that name exists, case-insensitively as SQLite resolves names. */
  tableExists(name: string): boolean {
    // pragma_table_info looks the name up in the schema's hash; sqlite_master would be scanned.
    return this.query("SELECT 1 AS found FROM pragma_table_info(?) LIMIT 1").get(name) !== undefined
  }

  close(): void {
    this.#statements.clear()
    this.client.close()
  }
}

/** Opens the file, or the embedded replica of a primary; a replica that cannot reach its primary says which. */
function openConnection(path: string, replica: LibsqlReplicaOptions | undefined): SqliteConnection {
  if (replica === undefined) return new Database(path)
  try {
    return new Database(path, replica)
  } catch (error) {
    throw replicaError(path, replica, "open", error)
  }
}

/** libsql's replication errors carry a Rust backtrace after their first line: the first line says it. */
function replicaError(path: string, replica: LibsqlReplicaOptions, step: "open" | "prepare", error: unknown): Error {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]?.trim() ?? ""
  const what = step === "open" ? `Could not open ${path} as an embedded replica of ${replica.syncUrl}` : `Could not prepare the embedded replica ${path} of ${replica.syncUrl} (host migrations run on the primary)`
  return new Error(`${what}: ${message}`, { cause: error })
}
