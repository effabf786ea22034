import { PluginError } from "@dockstat/plugin-schema"
import type { ErrorCode } from "@dockstat/plugin-schema"

/** Seconds a client is told to wait (`Retry-After`) when the database is busy. */
export const BUSY_RETRY_AFTER_SECONDS = 1

export function tableError(table: string, message: string, cause?: unknown): PluginError {
  return new PluginError("TABLE_ERROR", `Table "${table}": ${message}`, cause === undefined ? {} : { cause })
}

/** A column the table does not have: the caller's mistake (400), named. */
export function unknownColumnError(table: string, column: string, message: string): PluginError {
  return new PluginError("UNKNOWN_COLUMN", `Table "${table}": ${message}`, { data: { table, column } })
}

/** A value its column cannot hold: the caller's mistake (400), named. */
export function invalidValueError(table: string, column: string, message: string): PluginError {
  return new PluginError("INVALID_VALUE", `Table "${table}": ${message}`, { data: { table, column } })
}

/** The PluginError of a busy database: 503 with `Retry-After`. */
export function databaseBusyError(what: string, cause?: unknown): PluginError {
  return new PluginError("DATABASE_BUSY", `${what}: the database is busy (another connection holds its write lock); try again shortly`, {
    headers: { "Retry-After": String(BUSY_RETRY_AFTER_SECONDS) },
    data: { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
    ...(cause === undefined ? {} : { cause }),
  })
}

/**
 * Whether an error is SQLite's "database is locked" (SQLITE_BUSY and its extended codes), raw or already
 * turned into a DATABASE_BUSY PluginError.
 */
export function isBusyError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false
  const code = (error as { code?: unknown }).code
  if (code === "DATABASE_BUSY") return true
  if (typeof code === "string" && code.startsWith("SQLITE_BUSY")) return true
  return code === undefined && /\bdatabase is locked\b/.test(String((error as { message?: unknown }).message))
}

// "NOT NULL constraint failed: notes.text", "UNIQUE constraint failed: notes.a, notes.b"
function constraintColumns(message: string, table: string): string[] {
  const list = /constraint failed: (.+)$/.exec(message)?.[1]
  if (list === undefined) return []
  const prefix = `${table}.`
  return list
    .split(", ")
    .filter((item) => item.startsWith(prefix))
    .map((item) => item.slice(prefix.length))
}

const CONSTRAINT_CODES: Record<string, ErrorCode> = {
  SQLITE_CONSTRAINT_UNIQUE: "UNIQUE_VIOLATION",
  SQLITE_CONSTRAINT_PRIMARYKEY: "UNIQUE_VIOLATION",
}

/**
 * SQLite errors become PluginErrors. A constraint a row breaks is the caller's mistake, with the column
 * named: UNIQUE and PRIMARY KEY answer 409 (UNIQUE_VIOLATION), NOT NULL, CHECK and FOREIGN KEY 400
 * (CONSTRAINT_VIOLATION). "no such column" is 400 (UNKNOWN_COLUMN); "database is locked" is 503
 * (DATABASE_BUSY, with `Retry-After`). Anything else is ours (TABLE_ERROR, 500).
 */
export function fromSqliteError(table: string, error: unknown): PluginError {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  if (isBusyError(error)) return databaseBusyError(`Table "${table}"`, error)
  if (typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT")) {
    const columns = constraintColumns(message, table)
    const errorCode = CONSTRAINT_CODES[code] ?? (message.startsWith("UNIQUE constraint") ? "UNIQUE_VIOLATION" : "CONSTRAINT_VIOLATION")
    const named = columns.map((column) => `"${column}"`).join(", ")
    let text = message
    if (code === "SQLITE_CONSTRAINT_NOTNULL" && columns.length > 0) text = `column ${named} must have a value (${message})`
    else if (errorCode === "UNIQUE_VIOLATION" && columns.length > 0) {
      text = `a row with the same ${columns.length > 1 ? "values of columns" : "value of column"} ${named} exists already (${message})`
    } else if (code === "SQLITE_CONSTRAINT_CHECK") text = `a value breaks a check of the table (${message})`
    const data: Record<string, unknown> = { table }
    if (columns.length === 1) data.column = columns[0]
    else if (columns.length > 1) data.columns = columns
    return new PluginError(errorCode, `Table "${table}": ${text}`, { cause: error, data })
  }
  const missing = /^no such column: (.+)$/.exec(message)?.[1]
  if (missing !== undefined) return unknownColumnError(table, missing, `unknown column "${missing}"`)
  return tableError(table, message, error)
}
