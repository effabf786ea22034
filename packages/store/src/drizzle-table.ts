import { sql } from "drizzle-orm"
import { blob, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core"

import type { ColumnDescriptor, TableConfig } from "@dockstat/plugin-schema"

const ISO_NOW = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`

function storedDefault(descriptor: ColumnDescriptor, json: boolean): unknown {
  const value = descriptor.default
  if (value === undefined || value === null) return value
  if (json || descriptor.kind === "json") return JSON.stringify(value)
  if (descriptor.kind === "boolean") return value ? 1 : 0
  return value
}

function drizzleColumn(name: string, descriptor: ColumnDescriptor, json: boolean) {
  let builder
  switch (descriptor.kind) {
    case "id":
      return integer(name).primaryKey({ autoIncrement: true })
    case "integer":
    case "boolean":
      builder = integer(name)
      break
    case "real":
      builder = real(name)
      break
    case "blob":
      builder = blob(name, { mode: "buffer" })
      break
    default:
      builder = text(name)
  }
  if (descriptor.notNull) builder = builder.notNull()
  if (descriptor.unique) builder = builder.unique()
  if (descriptor.defaultNow) builder = builder.default(ISO_NOW as never)
  else {
    const value = storedDefault(descriptor, json)
    if (value !== undefined) builder = builder.default(value as never)
  }
  return builder
}

/** The Drizzle table for a plugin's column descriptors: what drizzle-kit diffs to make migrations. */
export function toDrizzleTable(tableName: string, config: TableConfig) {
  const json = new Set(config.jsonColumns ?? [])
  const columns = Object.fromEntries(
    Object.entries(config.columns).map(([name, descriptor]) => [name, drizzleColumn(name, descriptor, json.has(name))]),
  )
  return sqliteTable(tableName, columns)
}
