/**
 * Raw column objects (`{ type: "INTEGER", primaryKey: true, autoincrement: true }`), as plugins written for
 * DockStat declare them, turned into column descriptors. No zod here: the worker and sandbox bundles use it.
 */
import { isSqlExpression } from "./column.ts"
import type { ColumnDescriptor, ColumnKind, DefaultValue, ForeignKeyReference } from "./column.ts"

/** The SQLite type names a raw column object may use, and the descriptor each becomes. */
const RAW_TYPES: Record<string, Partial<ColumnDescriptor> & { kind: ColumnKind }> = {
  INTEGER: { kind: "integer" },
  INT: { kind: "integer", size: "INT" },
  TINYINT: { kind: "integer", size: "TINYINT" },
  SMALLINT: { kind: "integer", size: "SMALLINT" },
  MEDIUMINT: { kind: "integer", size: "MEDIUMINT" },
  BIGINT: { kind: "integer", size: "BIGINT" },
  TEXT: { kind: "text" },
  CLOB: { kind: "text", variant: "CLOB" },
  NCHAR: { kind: "text", variant: "NCHAR" },
  NVARCHAR: { kind: "text", variant: "NVARCHAR" },
  VARCHAR: { kind: "varchar" },
  CHAR: { kind: "char" },
  CHARACTER: { kind: "char" },
  REAL: { kind: "real" },
  DOUBLE: { kind: "real", variant: "DOUBLE" },
  FLOAT: { kind: "real", variant: "FLOAT" },
  NUMERIC: { kind: "numeric" },
  DECIMAL: { kind: "numeric", variant: "DECIMAL" },
  BOOLEAN: { kind: "boolean" },
  JSON: { kind: "json" },
  DATE: { kind: "date" },
  DATETIME: { kind: "datetime" },
  TIME: { kind: "time" },
  TIMESTAMP: { kind: "timestamp" },
  BLOB: { kind: "blob" },
}

/** Keys a raw column object may have (`comment` is accepted and ignored). */
const RAW_KEYS = new Set(["type", "primaryKey", "autoincrement", "notNull", "unique", "default", "check", "length", "precision", "scale", "references", "comment"])

export type NormalizedColumn = { descriptor: ColumnDescriptor } | { error: string }

export function isRawColumn(value: unknown): value is { type: string } {
  return typeof value === "object" && value !== null && !("kind" in value) && typeof (value as { type?: unknown }).type === "string"
}

/**
 * A descriptor as is; a raw column object as the descriptor it stands for, or why it cannot be one.
 * `{ type: "INTEGER", primaryKey: true, autoincrement: true }` is `column.id()`; `BOOLEAN` and `JSON`
 * behave as `column.boolean()` and `column.json()`.
 */
export function normalizeColumn(value: unknown): NormalizedColumn {
  if (!isRawColumn(value)) return { descriptor: value as ColumnDescriptor }
  const raw = value as Record<string, unknown> & { type: string }
  for (const key of Object.keys(raw)) {
    if (!RAW_KEYS.has(key)) return { error: `unknown key "${key}" in a column object (known: ${[...RAW_KEYS].join(", ")})` }
  }
  const match = /^\s*([A-Za-z]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(raw.type)
  const typeName = match?.[1]?.toUpperCase() ?? ""
  const base = RAW_TYPES[typeName]
  if (!match || base === undefined) return { error: `unknown column type "${raw.type}" (known: ${Object.keys(RAW_TYPES).join(", ")})` }
  if (raw.autoincrement === true) {
    if (base.kind !== "integer" || raw.primaryKey !== true) return { error: "autoincrement needs an INTEGER primaryKey column" }
    return { descriptor: { kind: "id" } }
  }
  const descriptor: ColumnDescriptor = { ...base }
  const length = raw.length ?? (match[2] === undefined ? undefined : Number(match[2]))
  if (descriptor.kind === "varchar" || descriptor.kind === "char") {
    // VARCHAR without a length is plain text under that name.
    if (length === undefined) {
      descriptor.kind = "text"
      descriptor.variant = typeName === "VARCHAR" ? "VARCHAR" : "CHAR"
    } else descriptor.length = length as number
  } else if (length !== undefined && descriptor.kind === "text") descriptor.length = length as number
  const precision = raw.precision ?? (match[2] === undefined || descriptor.kind !== "numeric" ? undefined : Number(match[2]))
  const scale = raw.scale ?? (match[3] === undefined || descriptor.kind !== "numeric" ? undefined : Number(match[3]))
  if (precision !== undefined) descriptor.precision = precision as number
  if (scale !== undefined) descriptor.scale = scale as number
  for (const key of ["notNull", "unique", "primaryKey"] as const) {
    if (raw[key] !== undefined) descriptor[key] = raw[key] as boolean
  }
  if (raw.check !== undefined) descriptor.check = raw.check as string
  if (isSqlExpression(raw.default)) descriptor.defaultSql = raw.default.expression
  else if (raw.default !== undefined) descriptor.default = raw.default as DefaultValue
  if (raw.references !== undefined) descriptor.references = raw.references as ForeignKeyReference
  return { descriptor }
}

/** The descriptors of a table's columns, raw column objects normalized; throws naming the first bad column. */
export function normalizeColumns(columns: Readonly<Record<string, unknown>>): Record<string, ColumnDescriptor> {
  const out: Record<string, ColumnDescriptor> = {}
  for (const [name, value] of Object.entries(columns)) {
    const normalized = normalizeColumn(value)
    if ("error" in normalized) throw new TypeError(`column "${name}": ${normalized.error}`)
    out[name] = normalized.descriptor
  }
  return out
}

/** The SQL type name a descriptor declares (what CREATE TABLE says). */
export function sqlTypeOf(descriptor: ColumnDescriptor): string {
  switch (descriptor.kind) {
    case "id":
      return "integer"
    case "integer":
      return descriptor.size ?? "integer"
    case "boolean":
      return "integer"
    case "real":
      return descriptor.variant ?? "real"
    case "numeric": {
      const name = descriptor.variant ?? "NUMERIC"
      if (descriptor.precision === undefined) return name
      return `${name}(${descriptor.precision}${descriptor.scale === undefined ? "" : `, ${descriptor.scale}`})`
    }
    case "varchar":
      return `varchar(${descriptor.length})`
    case "char":
      return `char(${descriptor.length})`
    case "text":
      if (descriptor.variant !== undefined) return descriptor.length === undefined ? descriptor.variant : `${descriptor.variant}(${descriptor.length})`
      return descriptor.length === undefined ? "text" : `text(${descriptor.length})`
    case "datetime":
      return "DATETIME"
    case "time":
      return "TIME"
    case "timestamp":
      return descriptor.asText ? "text" : "integer"
    case "blob":
      return "blob"
    default:
      // json, date, uuid, enum, module: text
      return "text"
  }
}
