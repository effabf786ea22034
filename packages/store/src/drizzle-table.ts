import { sql } from "drizzle-orm"
import { blob, check, customType, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core"
import { columnCheckSql, normalizeColumns, quoteSqlIdentifier, quoteSqlString, sqlTypeOf } from "@dockstat/plugin-schema"

import type { AnySQLiteColumn, SQLiteColumnBuilderBase } from "drizzle-orm/sqlite-core"
import type { ColumnDescriptor, ForeignKeyAction, TableConfig } from "@dockstat/plugin-schema"

const ISO_NOW = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`

type ReferenceAction = "cascade" | "restrict" | "no action" | "set null" | "set default"
const action = (value: ForeignKeyAction | undefined) => value?.toLowerCase() as ReferenceAction | undefined

function storedDefault(descriptor: ColumnDescriptor, json: boolean): unknown {
  const value = descriptor.default
  if (value === undefined || value === null) return value
  if (json || descriptor.kind === "json") return JSON.stringify(value)
  if (descriptor.kind === "boolean" || typeof value === "boolean") return value ? 1 : 0
  return value
}

/** A column whose declared type is exactly `type` (varchar(20), DATETIME, BIGINT ...). */
const declared = (name: string, type: string) => customType<{ data: unknown; driverData: unknown }>({ dataType: () => type })(name)

function baseColumn(name: string, descriptor: ColumnDescriptor) {
  const type = sqlTypeOf(descriptor)
  // The kinds that existed first keep drizzle's own builders: their DDL (and snapshots) stay as they were.
  if (type === "integer") return integer(name)
  if (type === "real") return real(name)
  if (type === "blob") return blob(name, { mode: "buffer" })
  if (type === "text") return text(name)
  return declared(name, type)
}

/**
 * The Drizzle table for a plugin's columns (descriptors or raw column objects): what drizzle-kit diffs to
 * make migrations. Defaults, CHECKs (enum values, `check`) and foreign keys are part of it.
 */
export function toDrizzleTable(tableName: string, config: TableConfig) {
  const json = new Set([...(config.jsonColumns ?? []), ...(config.parser?.JSON ?? [])])
  const descriptors = normalizeColumns(config.columns)
  // A foreign key points into this same table: its columns are looked up once the table exists.
  let table: Record<string, AnySQLiteColumn> | undefined
  const columns: Record<string, SQLiteColumnBuilderBase> = {}
  for (const [name, descriptor] of Object.entries(descriptors)) {
    if (descriptor.kind === "id") {
      columns[name] = integer(name).primaryKey({ autoIncrement: true })
      continue
    }
    // Drizzle's builder types change with every modifier; this function only hands them to drizzle-kit.
    let builder = baseColumn(name, descriptor) as ReturnType<typeof text>
    if (descriptor.primaryKey) builder = builder.primaryKey() as never
    if (descriptor.notNull) builder = builder.notNull() as never
    if (descriptor.unique) builder = builder.unique() as never
    if (descriptor.defaultNow) builder = builder.default(ISO_NOW as never)
    else if (descriptor.defaultSql !== undefined) builder = builder.default(sql.raw(`(${descriptor.defaultSql})`) as never)
    else {
      const value = storedDefault(descriptor, json.has(name))
      if (value !== undefined) builder = builder.default(value as never)
    }
    const references = descriptor.references
    if (references !== undefined) {
      const referenced = references.column
      const options: { onDelete?: ReferenceAction; onUpdate?: ReferenceAction } = {}
      if (references.onDelete) options.onDelete = action(references.onDelete) as ReferenceAction
      if (references.onUpdate) options.onUpdate = action(references.onUpdate) as ReferenceAction
      builder = builder.references(() => (table as Record<string, AnySQLiteColumn>)[referenced] as AnySQLiteColumn, options) as never
    }
    columns[name] = builder
  }
  const checks = Object.entries(descriptors).flatMap(([name, descriptor]) => {
    const parts: string[] = []
    if (descriptor.kind === "enum") parts.push(`${quoteSqlIdentifier(name)} IN (${(descriptor.values ?? []).map(quoteSqlString).join(", ")})`)
    if (descriptor.check !== undefined) parts.push(`(${columnCheckSql(name, descriptor.check)})`)
    return parts.length === 0 ? [] : [check(`${tableName}_${name}_check`, sql.raw(parts.join(" AND ")))]
  })
  const built = checks.length === 0 ? sqliteTable(tableName, columns) : sqliteTable(tableName, columns, () => checks)
  table = built as unknown as Record<string, AnySQLiteColumn>
  return built
}
