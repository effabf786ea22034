import { readMigrationFiles } from "drizzle-orm/migrator"

import type { SqliteConnection } from "./db.ts"
import { writeTransaction } from "./write-transaction.ts"

/** drizzle's own bookkeeping table: the same name and columns as `drizzle-kit migrate` uses. */
const JOURNAL_TABLE = "__drizzle_migrations"

/**
 * Applies the host migrations drizzle-kit generated into `folder` (read with drizzle's
 * `readMigrationFiles`), recorded in `__drizzle_migrations` as drizzle's migrator records them.
 *
 * Why not drizzle's `migrate()`: it reads what was applied before its (deferred) BEGIN, so two processes
 * opening a new database together both decide to create the tables and the second fails ("table
 * plugins already exists", or "database is locked"). Here the write lock is taken first
 * (`BEGIN IMMEDIATE`, waiting up to the connection's busy timeout), and what was applied is read under
 * it; an up-to-date database (every open after the first) is recognised without taking any lock.
 */
export function applyMigrations(client: SqliteConnection, folder: string): void {
  const migrations = readMigrationFiles({ migrationsFolder: folder })
  const newest = migrations.at(-1)?.folderMillis
  if (newest === undefined || appliedUpTo(client) >= newest) return
  writeTransaction(client, () => {
    client.exec(`CREATE TABLE IF NOT EXISTS "${JOURNAL_TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`)
    const applied = appliedUpTo(client)
    const record = client.prepare(`INSERT INTO "${JOURNAL_TABLE}" ("hash", "created_at") VALUES (?, ?)`)
    for (const migration of migrations) {
      if (migration.folderMillis <= applied) continue
      for (const statement of migration.sql) if (statement.trim() !== "") client.exec(statement)
      record.run([migration.hash, migration.folderMillis])
    }
  }, "Applying the host migrations")
}

/** The `created_at` (folder millis) of the newest applied migration, -1 when none. */
function appliedUpTo(client: SqliteConnection): number {
  const exists = client.prepare("SELECT 1 AS found FROM pragma_table_info(?) LIMIT 1").get([JOURNAL_TABLE])
  if (exists === undefined) return -1
  const row = client.prepare(`SELECT created_at FROM "${JOURNAL_TABLE}" ORDER BY created_at DESC LIMIT 1`).get([]) as { created_at: number | string } | undefined
  return row === undefined ? -1 : Number(row.created_at)
}
