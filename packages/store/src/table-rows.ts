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

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`

/**
 * A page of a table's rows as stored, for read-only views (the demo's admin page). The caller names a
 * table the host created for a plugin (`pluginTableNames`); statements are cached per table by `db.query`.
 * A byte column's value comes back as its bytes (a Uint8Array).
 */
export function readTableRows(db: DB, tableName: string, page: { offset: number; limit: number }): TableRowsPage {
  const columns = db
    .query("SELECT name, type FROM pragma_table_info(?) ORDER BY cid")
    .all(tableName)
    .map((column) => ({ name: String(column.name), type: String(column.type).toLowerCase() }))
  const counted = db.query(`SELECT count(*) AS total FROM ${quote(tableName)}`).get() as { total: number | bigint } | undefined
  const rows = page.limit > 0 ? db.query(`SELECT * FROM ${quote(tableName)} ORDER BY rowid LIMIT ? OFFSET ?`).all(page.limit, page.offset) : []
  return { table: tableName, columns, total: Number(counted?.total ?? 0), rows }
}
