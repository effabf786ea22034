/**
 * Column descriptors: plain, serializable data (they cross manifests, the DB and worker threads as is),
 * made by the `column.*` helpers or written by hand as raw column objects (see column-normalize.ts).
 * The helpers' return types keep the literal kind and the options given, so row types can be inferred
 * from a table's columns.
 */

/** The kinds of column a plugin table can declare. */
export const COLUMN_KINDS = [
  "id",
  "text",
  "integer",
  "real",
  "boolean",
  "json",
  "date",
  "blob",
  "numeric",
  "datetime",
  "time",
  "timestamp",
  "varchar",
  "char",
  "uuid",
  "enum",
  "module",
] as const
export type ColumnKind = (typeof COLUMN_KINDS)[number]

export const INTEGER_SIZES = ["TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT"] as const
export type IntegerSize = (typeof INTEGER_SIZES)[number]
export const REAL_VARIANTS = ["DOUBLE", "FLOAT"] as const
export type RealVariant = (typeof REAL_VARIANTS)[number]
export const TEXT_VARIANTS = ["VARCHAR", "CHAR", "CLOB", "NCHAR", "NVARCHAR"] as const
export type TextVariant = (typeof TEXT_VARIANTS)[number]
export const FOREIGN_KEY_ACTIONS = ["CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT"] as const
export type ForeignKeyAction = (typeof FOREIGN_KEY_ACTIONS)[number]

/**
 * A SQL expression as a column default (`sql.now()`, `sql.raw("...")`): plain data, in the shape
 * upstream's `defaultExpr()` makes, so raw column objects written for DockStat work as they are.
 */
export interface SqlExpression {
  readonly _type: "expression"
  readonly expression: string
}

/** A literal default: stored as is (JSON columns: serialized; booleans: 0/1). */
export type DefaultValue = string | number | boolean | null | Record<string, unknown> | unknown[]

export interface ColumnOptions<T = unknown> {
  notNull?: boolean
  unique?: boolean
  primaryKey?: boolean
  /** A literal default, or a SQL expression from `sql.*`. */
  default?: T | SqlExpression | null
  /** A CHECK constraint on this column; `{{COLUMN}}` stands for the column's (quoted) name. */
  check?: string
}

export interface ForeignKeyReference {
  table: string
  column: string
  onDelete?: ForeignKeyAction
  onUpdate?: ForeignKeyAction
}

/** A plain, serializable column description: it crosses manifests, the DB and worker threads as is. */
export interface ColumnDescriptor {
  kind: ColumnKind
  notNull?: boolean
  unique?: boolean
  primaryKey?: boolean
  /** For `date` columns only: default to the insert time. */
  defaultNow?: boolean
  default?: DefaultValue
  /** A SQL default expression (checked: literals and a list of side-effect-free functions only). */
  defaultSql?: string
  /** A CHECK constraint; `{{COLUMN}}` stands for the column's name. */
  check?: string
  /** varchar/char length, or a text column's declared length. */
  length?: number
  /** integer: the declared integer type name. */
  size?: IntegerSize
  /** real: DOUBLE/FLOAT; numeric: DECIMAL; text: VARCHAR, CHAR, CLOB, NCHAR, NVARCHAR. */
  variant?: RealVariant | TextVariant | "DECIMAL"
  precision?: number
  scale?: number
  /** timestamp: stored as text instead of unix seconds. */
  asText?: boolean
  /** enum: the allowed values. */
  values?: readonly string[]
  /** A foreign key; only the plugin's own table may be referenced. */
  references?: ForeignKeyReference
  /** Phantom: the value type of a `json<T>()` column. Never set at run time. */
  __type?: unknown
}

type Simplify<T> = { -readonly [K in keyof T]: T[K] } & {}
/** B's properties over A's. */
type Merge<A, B> = Simplify<Omit<A, keyof B> & B>
/** `default: sql.now()` becomes `defaultSql: string` in the descriptor. */
type NormalizeDefault<O> = O extends { default: SqlExpression } ? Omit<O, "default"> & { defaultSql: string } : O
/** The descriptor a helper returns: its kind and fixed parts, then the options as given. */
export type Described<K extends ColumnKind, O, Fixed = {}> = Merge<{ kind: K } & Fixed, NormalizeDefault<O>>

const COPIED = ["notNull", "unique", "primaryKey", "check", "length", "size", "variant", "precision", "scale", "asText"] as const

export function isSqlExpression(value: unknown): value is SqlExpression {
  return typeof value === "object" && value !== null && (value as SqlExpression)._type === "expression" && typeof (value as SqlExpression).expression === "string"
}

/** Copies the options a descriptor knows; a `sql.*` default becomes `defaultSql`. Other keys are dropped. */
function describe<R = ColumnDescriptor>(kind: ColumnKind, options: object | undefined, fixed: Partial<ColumnDescriptor> = {}): R {
  const descriptor: ColumnDescriptor = { kind, ...fixed }
  const source = (options ?? {}) as Record<string, unknown>
  for (const key of COPIED) {
    if (source[key] !== undefined) (descriptor as unknown as Record<string, unknown>)[key] = source[key]
  }
  const value = source.default
  if (isSqlExpression(value)) {
    delete descriptor.default
    descriptor.defaultSql = value.expression
  } else if (value !== undefined) {
    delete descriptor.defaultSql
    descriptor.default = value as DefaultValue
  }
  return descriptor as R
}

const expression = (text: string): SqlExpression => Object.freeze({ _type: "expression", expression: text })

/**
 * SQL default expressions. `sql.raw(expr)` is checked when the table is declared: literals, operators and
 * a list of side-effect-free functions only (no column, table, subquery or parameter).
 *
 * @example
 * const columns = { seen: column.text({ default: sql.now() }), day: column.text({ default: sql.raw("date('now', '+1 day')") }) }
 */
export const sql = {
  /** `datetime('now')`: UTC text, `YYYY-MM-DD HH:MM:SS`. */
  now: () => expression("datetime('now')"),
  /** `CURRENT_TIMESTAMP`: UTC text, `YYYY-MM-DD HH:MM:SS`. */
  currentTimestamp: () => expression("CURRENT_TIMESTAMP"),
  /** `date('now')`: UTC text, `YYYY-MM-DD`. */
  currentDate: () => expression("date('now')"),
  /** `time('now')`: UTC text, `HH:MM:SS`. */
  currentTime: () => expression("time('now')"),
  /** `unixepoch()`: whole seconds since 1970, an integer. */
  unixTimestamp: () => expression("unixepoch()"),
  /** Any default expression that passes the check (literals, operators, listed functions). */
  raw: (text: string) => expression(text),
}

/** A v4 UUID made by SQLite (random bits, version and variant set): the default of `uuid({ generateDefault: true })`. */
export const UUID_V4_SQL =
  "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || " +
  "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))"

type TextOptions = ColumnOptions<string> & { length?: number; variant?: TextVariant }
type DateOptions = ColumnOptions<string> & { defaultNow?: boolean }
type TimestampOptions = ColumnOptions<number | string> & { asText?: boolean }
type AutoTimeOptions = Omit<ColumnOptions, "default" | "notNull"> & { asText?: boolean }
type ForeignKeyOptions = ColumnOptions<number | string> & { onDelete?: ForeignKeyAction; onUpdate?: ForeignKeyAction; type?: "INTEGER" | "TEXT" }
type AutoTime<O, Fixed> = O extends { asText: true } ? Described<"datetime", Omit<O, "asText">, Fixed> : Described<"timestamp", O, Fixed>

/**
 * Column descriptor factories for a plugin's `config.table.columns`: ours and DockStat's
 * (`@dockstat/sqlite-wrapper`'s `column`).
 *
 * @example
 * const columns = {
 *   id: column.id(),
 *   name: column.text({ notNull: true }),
 *   state: column.enum(["up", "down"]),
 *   created: column.createdAt(),
 * }
 */
export const column = {
  /** Integer primary key with autoincrement. */
  id: (): { kind: "id" } => ({ kind: "id" }),
  text: <const O extends TextOptions = {}>(options?: O) => describe<Described<"text", O>>("text", options),
  /** `size` picks the declared type (TINYINT ... BIGINT); every one is an integer to SQLite. */
  integer: <const O extends ColumnOptions<number> & { size?: IntegerSize } = {}>(options?: O) => describe<Described<"integer", O>>("integer", options),
  real: <const O extends ColumnOptions<number> & { variant?: RealVariant } = {}>(options?: O) => describe<Described<"real", O>>("real", options),
  numeric: <const O extends ColumnOptions<number | string> & { precision?: number; scale?: number; variant?: "DECIMAL" } = {}>(options?: O) =>
    describe<Described<"numeric", O>>("numeric", options),
  /** Stored as 0/1; true/false in and out. */
  boolean: <const O extends ColumnOptions<boolean> = {}>(options?: O) => describe<Described<"boolean", O>>("boolean", options),
  /** Stored as JSON text; values are serialized on write and parsed on read. `json<T>()` types the values. */
  json: <T = unknown, const O extends ColumnOptions<T> = {}>(options?: O) => describe<Described<"json", O, { __type?: T }>>("json", options),
  /** Stored as ISO-8601 text; Date values in, Date values out. */
  date: <const O extends DateOptions = {}>(options?: O) => {
    const descriptor = describe("date", options)
    if (options?.defaultNow) descriptor.defaultNow = true
    return descriptor as unknown as Described<"date", O>
  },
  /** Text as stored (a Date is stored as ISO-8601 text). */
  datetime: <const O extends ColumnOptions<string> = {}>(options?: O) => describe<Described<"datetime", O>>("datetime", options),
  /** Text as stored, `HH:MM:SS`. */
  time: <const O extends ColumnOptions<string> = {}>(options?: O) => describe<Described<"time", O>>("time", options),
  /** Unix seconds (an integer; a Date is stored as its seconds), or text with `asText`. */
  timestamp: <const O extends TimestampOptions = {}>(options?: O) => describe<Described<"timestamp", O>>("timestamp", options),
  blob: <const O extends Omit<ColumnOptions, "default"> = {}>(options?: O) => describe<Described<"blob", O>>("blob", options),
  varchar: <const N extends number, const O extends ColumnOptions<string> = {}>(length: N, options?: O) =>
    describe<Described<"varchar", O, { length: N }>>("varchar", options, { length }),
  char: <const N extends number, const O extends ColumnOptions<string> = {}>(length: N, options?: O) =>
    describe<Described<"char", O, { length: N }>>("char", options, { length }),
  /** Text; with `generateDefault`, SQLite fills in a random v4 UUID. */
  uuid: <const O extends ColumnOptions<string> & { generateDefault?: boolean } = {}>(options?: O) => {
    const descriptor = describe("uuid", options)
    if (options?.generateDefault && options.default === undefined) descriptor.defaultSql = UUID_V4_SQL
    return descriptor as unknown as O extends { generateDefault: true } ? Described<"uuid", Omit<O, "generateDefault">, { defaultSql: string }> : Described<"uuid", Omit<O, "generateDefault">>
  },
  /** Text, NOT NULL unless `notNull: false`, with a CHECK that the value is one of `values`. */
  enum: <const V extends readonly [string, ...string[]], const O extends ColumnOptions<V[number]> = {}>(values: V, options?: O) =>
    describe<Described<"enum", O, { values: V; notNull: true }>>("enum", options, { notNull: true, values: [...values] }),
  /** NOT NULL, defaults to now: unix seconds, or `datetime('now')` text with `asText`. */
  createdAt: <const O extends AutoTimeOptions = {}>(options?: O) =>
    autoTime(options, true) as unknown as AutoTime<O, { notNull: true; defaultSql: string }>,
  /** Defaults to now (unix seconds, or text with `asText`). Set it yourself on update. */
  updatedAt: <const O extends AutoTimeOptions = {}>(options?: O) => autoTime(options, false) as unknown as AutoTime<O, { defaultSql: string }>,
  /** A column referencing a column (default "id") of this plugin's own table. */
  foreignKey: <const O extends ForeignKeyOptions = {}>(table: string, referenced = "id", options?: O) => {
    const references: ForeignKeyReference = { table, column: referenced }
    if (options?.onDelete !== undefined) references.onDelete = options.onDelete
    if (options?.onUpdate !== undefined) references.onUpdate = options.onUpdate
    return describe<Described<O extends { type: "TEXT" } ? "text" : "integer", Omit<O, "onDelete" | "onUpdate" | "type">, { references: ForeignKeyReference }>>(
      options?.type === "TEXT" ? "text" : "integer",
      options,
      { references },
    )
  },
  /** Code as text (a function is stored as its source); read back as text. */
  module: <const O extends ColumnOptions<string> = {}>(options?: O) => describe<Described<"module", O>>("module", options),
}

function autoTime(options: AutoTimeOptions | undefined, notNull: boolean): ColumnDescriptor {
  const { asText, ...rest } = options ?? {}
  const descriptor = describe(asText ? "datetime" : "timestamp", rest, notNull ? { notNull: true } : {})
  descriptor.defaultSql = asText ? "datetime('now')" : "unixepoch()"
  return descriptor
}
