import { isPluginError, normalizeColumns, quoteSqlIdentifier } from "@dockstat/plugin-schema"

import type { ColumnDescriptor, RawColumn, Row } from "@dockstat/plugin-schema"

import { columnCodec } from "./column-codec.ts"
import type { ColumnCodec } from "./column-codec.ts"
import type { SqliteConnection, Statement } from "./db.ts"
import { fromSqliteError, tableError, unknownColumnError } from "./errors.ts"
import { createRawWhereGuard } from "./raw-where-guard.ts"
import type { RawWhereGuard } from "./raw-where-guard.ts"

export interface TableApiOptions {
  /** Text columns whose values are JSON. */
  jsonColumns?: readonly string[]
  /** Columns whose values are booleans stored as 0/1 (DockStat's `parser.BOOLEAN`). */
  booleanColumns?: readonly string[]
  /** Refuse insert, update and delete (the host's own tables). */
  readOnly?: boolean
}

/** Prepared statements kept per table: enough for every shape a plugin uses, bounded for one that makes shapes from data. */
const MAX_STATEMENTS = 512


/** What every query of one table shares: built once per plugin load. */
export interface TableContext {
  readonly name: string
  /** The table name, quoted. */
  readonly table: string
  readonly client: SqliteConnection
  readonly columnNames: readonly string[]
  readonly readOnly: boolean
  /** `"column"` by column name. */
  readonly quoted: ReadonlyMap<string, string>
  codecOf(column: unknown, operation: string): ColumnCodec
  prepare(sql: string): Statement
  /** Runs `fn`, SQLite errors turned into PluginErrors naming the table. */
  run<T>(fn: () => T): T
  /** Decodes a row in place (JSON, booleans, dates). */
  decode(row: Row): Row
  readonly hasDecoders: boolean
  /** Checks a where clause holding a raw expression (see raw-where-guard.ts). */
  verifyRaw(whereClause: string): void
  assertWritable(operation: string): void
}

export function createTableContext(
  client: SqliteConnection,
  name: string,
  input: Readonly<Record<string, ColumnDescriptor | RawColumn>>,
  options: TableApiOptions,
): TableContext {
  let columns: Record<string, ColumnDescriptor>
  try {
    columns = normalizeColumns(input)
  } catch (error) {
    throw tableError(name, (error as Error).message)
  }
  const columnNames = Object.freeze(Object.keys(columns))
  const json = new Set(options.jsonColumns ?? [])
  const booleans = new Set(options.booleanColumns ?? [])
  const codecs = new Map<string, ColumnCodec>()
  const quoted = new Map<string, string>()
  for (const column of columnNames) {
    codecs.set(column, columnCodec(name, columns[column] as ColumnDescriptor, json.has(column), booleans.has(column)))
    quoted.set(column, quoteSqlIdentifier(column))
  }
  const decoders = [...codecs].filter(([, codec]) => codec.decode !== undefined).map(([column, codec]) => [column, codec.decode] as [string, (value: unknown) => unknown])
  const statements = new Map<string, Statement>()
  let guard: RawWhereGuard | undefined

  return {
    name,
    table: quoteSqlIdentifier(name),
    client,
    columnNames,
    readOnly: options.readOnly === true,
    quoted,
    hasDecoders: decoders.length > 0,
    codecOf(column, operation) {
      const codec = typeof column === "string" ? codecs.get(column) : undefined
      if (codec === undefined) {
        throw unknownColumnError(name, String(column), `${operation}: unknown column "${String(column)}" (columns: ${columnNames.join(", ")})`)
      }
      return codec
    },
    prepare(sql: string): Statement {
      let statement = statements.get(sql)
      if (statement === undefined) {
        try {
          statement = client.prepare(sql) as unknown as Statement
        } catch (error) {
          throw fromSqliteError(name, error)
        }
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value as string)
        statements.set(sql, statement)
      }
      return statement
    },
    run(fn) {
      try {
        return fn()
      } catch (error) {
        // A PluginError (from prepare, a codec) already says what went wrong; wrapping it again would lose its code.
        throw isPluginError(error) ? error : fromSqliteError(name, error)
      }
    },
    decode(row) {
      for (const [column, fn] of decoders) {
        if (column in row) row[column] = fn(row[column])
      }
      return row
    },
    verifyRaw(whereClause) {
      guard ??= createRawWhereGuard(client, name, (reason) =>
        tableError(name, `whereExpr/whereRaw may read only this plugin's own table "${name}" and call only side-effect-free functions; refused: ${reason}`),
      )
      guard.verify(whereClause)
    },
    assertWritable(operation) {
      if (options.readOnly) throw tableError(name, `${operation} is not allowed: this table is read-only`)
    },
  }
}
