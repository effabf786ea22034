import type { SqliteConnection } from "./db.ts"
import { databaseBusyError, isBusyError } from "./errors.ts"

const savepoints = new WeakMap<SqliteConnection, number>()
/** Per connection: how many write transactions it committed. */
const commits = new WeakMap<SqliteConnection, number>()

/**
 * How many write transactions `client` committed so far (through `writeTransaction`, which every write
 * of the store takes). The route runner compares it before and after a call that failed busy: unchanged,
 * nothing was stored on this connection meanwhile, so running the call again stores nothing twice.
 */
export function committedWrites(client: SqliteConnection): number {
  return commits.get(client) ?? 0
}

/**
 * Runs `fn` in a write transaction that takes the write lock first (`BEGIN IMMEDIATE`), committed when
 * it returns, rolled back when it throws; nested calls become savepoints.
 *
 * Why not libsql's `transaction()` (a deferred BEGIN): a statement that fails with SQLITE_BUSY is left
 * "in progress" by libsql (it is reset only when it runs again), and from then on every COMMIT on that
 * connection fails with "cannot commit transaction - SQL statements in progress". Taking the lock with
 * `BEGIN IMMEDIATE` (run by `exec`, which leaves no statement behind) makes a busy database fail before
 * any statement runs, and once it holds the lock no statement inside can be refused for it. So a busy
 * database costs a retry, never a poisoned connection.
 *
 * With `what`, a busy database throws a DATABASE_BUSY PluginError (503, `Retry-After`) saying what could
 * not be written, never SQLite's bare "database is locked"; without it, SQLite's error, for the caller to
 * name (the table API says which table).
 */
export function writeTransaction<T>(client: SqliteConnection, fn: () => T, what?: string): T {
  if (client.inTransaction) {
    const depth = savepoints.get(client) ?? 0
    const name = `dockstat_write_${depth}`
    client.exec(`SAVEPOINT ${name}`)
    savepoints.set(client, depth + 1)
    try {
      const result = fn()
      client.exec(`RELEASE ${name}`)
      return result
    } catch (error) {
      // INSERT OR ROLLBACK ends the whole transaction, savepoints included.
      if (client.inTransaction) {
        client.exec(`ROLLBACK TO ${name}`)
        client.exec(`RELEASE ${name}`)
      }
      throw error
    } finally {
      savepoints.set(client, depth)
    }
  }
  try {
    client.exec("BEGIN IMMEDIATE")
  } catch (error) {
    throw what !== undefined && isBusyError(error) ? databaseBusyError(what, error) : error
  }
  try {
    const result = fn()
    client.exec("COMMIT")
    commits.set(client, (commits.get(client) ?? 0) + 1)
    return result
  } catch (error) {
    if (client.inTransaction) client.exec("ROLLBACK")
    throw error
  }
}
