/** libsql's `get()` adds a `_metadata` (timing) property to the row; rows we hand out never carry it. */
export function cleanRow<T>(row: T): T {
  if (row !== undefined && row !== null && Object.hasOwn(row, "_metadata")) delete (row as Record<string, unknown>)._metadata
  return row
}
