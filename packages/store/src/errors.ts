import { PluginError } from "@dockstat/plugin-schema"

export function tableError(table: string, message: string, cause?: unknown): PluginError {
  return new PluginError("TABLE_ERROR", `Table "${table}": ${message}`, cause === undefined ? {} : { cause })
}

/** SQLite errors become PluginErrors: constraint violations are the caller's conflict, the rest are ours. */
export function fromSqliteError(table: string, error: unknown): PluginError {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  if (typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT")) {
    return new PluginError("CONFLICT", `Table "${table}": ${message}`, { cause: error })
  }
  return tableError(table, message, error)
}
