/** The kinds of column a plugin table can declare. */
export const COLUMN_KINDS = ["id", "text", "integer", "real", "boolean", "json", "date", "blob"] as const
export type ColumnKind = (typeof COLUMN_KINDS)[number]

export interface ColumnOptions<T = unknown> {
  notNull?: boolean
  unique?: boolean
  default?: T
}

/** A plain, serializable column description: it crosses manifests, the DB and worker threads as is. */
export interface ColumnDescriptor {
  kind: ColumnKind
  notNull?: boolean
  unique?: boolean
  /** For `date` columns only: default to the insert time. */
  defaultNow?: boolean
  default?: string | number | boolean | null | Record<string, unknown> | unknown[]
}

function describe(kind: ColumnKind, options: ColumnOptions = {}): ColumnDescriptor {
  const descriptor: ColumnDescriptor = { kind }
  if (options.notNull !== undefined) descriptor.notNull = options.notNull
  if (options.unique !== undefined) descriptor.unique = options.unique
  if (options.default !== undefined) descriptor.default = options.default as NonNullable<ColumnDescriptor["default"]>
  return descriptor
}

/**
 * Column descriptor factories for a plugin's `config.table.columns`.
 *
 * @example
 * const columns = { id: column.id(), name: column.text({ notNull: true }), seen: column.date({ defaultNow: true }) }
 */
export const column = {
  /** Integer primary key with autoincrement. */
  id: (): ColumnDescriptor => ({ kind: "id" }),
  text: (options?: ColumnOptions<string>) => describe("text", options),
  integer: (options?: ColumnOptions<number>) => describe("integer", options),
  real: (options?: ColumnOptions<number>) => describe("real", options),
  boolean: (options?: ColumnOptions<boolean>) => describe("boolean", options),
  /** Stored as JSON text; values are serialized on write and parsed on read. */
  json: (options?: ColumnOptions<Record<string, unknown> | unknown[]>) => describe("json", options),
  /** Stored as ISO-8601 text; Date values in, Date values out. */
  date: (options?: ColumnOptions<string> & { defaultNow?: boolean }) => {
    const descriptor = describe("date", options)
    if (options?.defaultNow) descriptor.defaultNow = true
    return descriptor
  },
  blob: (options?: Omit<ColumnOptions, "default">) => describe("blob", options),
}
