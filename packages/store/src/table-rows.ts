import { quoteSqlIdentifier } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"

export interface TableColumnInfo {
  name: string
  /** The SQLite declared type (`integer`, `text`, ...). */
  type: string
}

export interface TableRowsPage {
  table: string
  columns: TableColumnInfo[]
  /** Rows in the whole table. */
  total: number
  /** At most `limit` rows from `offset`, in insertion (rowid) order, as stored: JSON as text, booleans 0/1, dates ISO text. */
  rows: Record<string, unknown>[]
}


/** libsql hands blobs over as ArrayBuffers; the table API's callers get Uint8Arrays. */
function withByteArrays(row: Record<string, unknown>): Record<string, unknown> {
  for (const [column, value] of Object.entries(row)) if (value instanceof ArrayBuffer) row[column] = new Uint8Array(value)
  return row
}

/**
 * A page of a table's rows as stored, for read-only views (the demo's admin page). The caller names a
 * table the host created for a plugin (`pluginTableNames`); statements are cached per table by `db.query`.
 * A byte column's value comes back as its bytes (a Uint8Array). With `maxValueLength`, longer text and
 * byte values come back cut to `maxValueLength + 1` characters or bytes.
 */
export function readTableRows(db: DB, tableName: string, page: { offset: number; limit: number; maxValueLength?: number | undefined }): TableRowsPage {
  const columns = db
    .query("SELECT name, type FROM pragma_table_info(?) ORDER BY cid")
    .all(tableName)
    .map((column) => ({ name: String(column.name), type: String(column.type).toLowerCase() }))
  const counted = db.query(`SELECT count(*) AS total FROM ${quoteSqlIdentifier(tableName)}`).get() as { total: number | bigint } | undefined
  if (page.limit <= 0 || columns.length === 0) return { table: tableName, columns, total: Number(counted?.total ?? 0), rows: [] }
  const max = page.maxValueLength
  // Written into the SQL text (a bound value would make SQLite compare lengths as text): a whole number only.
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 0)) throw new RangeError(`maxValueLength must be a whole number of characters, got ${String(max)}`)
  // Cut in SQL, so a row of huge values never reaches memory whole: one character (or byte) more than
  // `max` is kept, so the caller can tell a cut value from one of exactly `max`.
  const list =
    max === undefined
      ? "*"
      : columns.map(({ name }) => `CASE WHEN typeof(${quoteSqlIdentifier(name)}) IN ('text', 'blob') AND length(${quoteSqlIdentifier(name)}) > ${max} THEN substr(${quoteSqlIdentifier(name)}, 1, ${max + 1}) ELSE ${quoteSqlIdentifier(name)} END AS ${quoteSqlIdentifier(name)}`).join(", ")
  const rows = db.query(`SELECT ${list} FROM ${quoteSqlIdentifier(tableName)} ORDER BY rowid LIMIT ? OFFSET ?`).all(page.limit, page.offset).map(withByteArrays)
  return { table: tableName, columns, total: Number(counted?.total ?? 0), rows }
}
