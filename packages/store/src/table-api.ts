import type { ChangeResult, ColumnDescriptor, InsertResult, RawColumn, Row, TableApi, TableConfig } from "@dockstat/plugin-schema"

import type { SqliteConnection } from "./db.ts"
import { tableError } from "./errors.ts"
import { createTableContext } from "./table-context.ts"
import type { TableApiOptions, TableContext } from "./table-context.ts"
import { TableQuery } from "./table-query.ts"
import { writeTransaction } from "./write-transaction.ts"

export type { TableApiOptions } from "./table-context.ts"

const CONFLICT = { insert: "INSERT", insertOrIgnore: "INSERT OR IGNORE", insertOrReplace: "INSERT OR REPLACE", insertOrAbort: "INSERT OR ABORT", insertOrFail: "INSERT OR FAIL", insertOrRollback: "INSERT OR ROLLBACK" } as const
type InsertVerb = (typeof CONFLICT)[keyof typeof CONFLICT]

/** Methods of the table that start a fresh query and continue it. */
const CHAIN = ["where", "whereIn", "whereNotIn", "whereOp", "whereBetween", "whereNotBetween", "whereNull", "whereNotNull", "whereRgx", "whereExpr", "whereRaw", "orderBy", "asc", "desc", "limit", "offset"] as const
/** Executing calls of the table that run a fresh query (the writes among them refuse: no where). */
const TERMINALS = ["all", "get", "first", "count", "exists", "value", "pluck", "update", "increment", "decrement", "updateAndGet", "delete", "deleteAndGet", "softDelete", "restore", "deleteOlderThan"] as const

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

function insertOne(ctx: TableContext, verb: InsertVerb, operation: string, row: unknown): { insertId: number; changes: number } {
  if (!isObject(row) || row instanceof Date) {
    throw tableError(ctx.name, `${operation}() expects an object (or an array of objects) keyed by column name, got ${row === null ? "null" : Array.isArray(row) ? "a nested array" : typeof row}`)
  }
  const names: string[] = []
  const params: unknown[] = []
  for (const column of Object.keys(row)) {
    const value = row[column]
    if (value === undefined) continue
    const codec = ctx.codecOf(column, operation)
    names.push(ctx.quoted.get(column) as string)
    params.push(value === null ? null : codec.encode(value, column))
  }
  const sql =
    names.length === 0
      ? `${verb} INTO ${ctx.table} DEFAULT VALUES`
      : `${verb} INTO ${ctx.table} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`
  const info = ctx.prepare(sql).run(params)
  const changes = Number(info.changes)
  // An ignored row changes nothing, and lastInsertRowid would name an older row.
  return { insertId: changes > 0 ? Number(info.lastInsertRowid) : 0, changes }
}

function insertRows(ctx: TableContext, verb: InsertVerb, operation: string, rows: unknown): InsertResult {
  ctx.assertWritable(operation)
  return ctx.run(() =>
    writeTransaction(ctx.client, () => {
      if (!Array.isArray(rows)) return insertOne(ctx, verb, operation, rows)
      let insertId = 0
      let changes = 0
      for (const row of rows) {
        const result = insertOne(ctx, verb, operation, row)
        if (result.changes > 0) insertId = result.insertId
        changes += result.changes
      }
      return { insertId, changes }
    }),
  )
}

/** An equality where clause for the batch calls: null and undefined are IS NULL; it must name a column. */
function equality(ctx: TableContext, operation: string, conditions: unknown, index: number): { sql: string; params: unknown[] } {
  if (!isObject(conditions) || Object.keys(conditions).length === 0) {
    throw tableError(ctx.name, `${operation}(): item ${index} needs a where object naming at least one column; refusing to change every row`)
  }
  const parts: string[] = []
  const params: unknown[] = []
  for (const column of Object.keys(conditions)) {
    const codec = ctx.codecOf(column, operation)
    const value = conditions[column]
    if (value === null || value === undefined) parts.push(`${ctx.quoted.get(column)} IS NULL`)
    else {
      parts.push(`${ctx.quoted.get(column)} = ?`)
      params.push(codec.encode(value, column))
    }
  }
  return { sql: ` WHERE ${parts.join(" AND ")}`, params }
}

/** A batch write: `write` for each item of a non-empty list, all in one transaction; the changes summed. */
function eachInOneTransaction(ctx: TableContext, operation: string, list: unknown, write: (item: unknown, index: number) => number): ChangeResult {
  ctx.assertWritable(operation)
  const items = nonEmptyList(ctx, operation, list)
  return ctx.run(() =>
    writeTransaction(ctx.client, () => {
      let changes = 0
      items.forEach((item, index) => {
        changes += write(item, index)
      })
      return { changes }
    }),
  )
}

function nonEmptyList(ctx: TableContext, operation: string, list: unknown): unknown[] {
  if (!Array.isArray(list) || list.length === 0) throw tableError(ctx.name, `${operation}() needs a non-empty array`)
  return list
}

/**
 * Builds the synchronous table API for one table: the seed's QueryBuilder and DockStat's query builder.
 * Built once per plugin load; every chain starts its own query object, so nothing is shared between
 * requests. Prepared statements are cached per query shape, so a request pays for a Map lookup and the
 * bind, not for a prepare.
 */
export function createTableApi(
  client: SqliteConnection,
  name: string,
  columns: Readonly<Record<string, ColumnDescriptor | RawColumn>>,
  options: TableApiOptions = {},
  /** Own properties to add to this table's API object before it is frozen (the host table's `getDb`). */
  extra?: Readonly<Record<string, unknown>>,
): TableApi {
  return new PluginTable(createTableContext(client, name, columns, options), extra) as unknown as TableApi
}

/** The context of the table a method was called on (set by PluginTable's static block). */
let contextOf: (table: unknown, method: string) => TableContext

/**
 * One table's API. Its methods live on the prototype and find the table through a private field, so a
 * plugin load builds one small frozen object, not ~45 closures (1000 plugins load measurably faster).
 * Called detached (`const { insert } = table`), a method says how to call it. The field is read only by
 * `contextOf` below, which is not reachable from the object (`table.constructor` has no way to it).
 */
class PluginTable {
  /** The context, or what builds it on the table's first use (createPluginTableApi). */
  #ctx: TableContext | (() => TableContext)
  readonly name: string
  readonly columns: readonly string[]

  constructor(ctx: TableContext | { name: string; columnNames: readonly string[]; make: () => TableContext }, extra?: Readonly<Record<string, unknown>>) {
    this.#ctx = "make" in ctx ? ctx.make : ctx
    this.name = ctx.name
    this.columns = ctx.columnNames
    if (extra !== undefined) Object.assign(this, extra)
    // Private fields stay writable on a frozen object: the lazy context is built into #ctx once.
    Object.freeze(this)
  }

  static {
    contextOf = (table, method) => {
      if (typeof table !== "object" || table === null || !(#ctx in table)) {
        throw new TypeError(`${method}() must be called on the table (table.${method}(...)), not detached from it`)
      }
      const ctx = (table as PluginTable).#ctx
      if (typeof ctx !== "function") return ctx
      const built = ctx()
      ;(table as PluginTable).#ctx = built
      return built
    }
  }
}

type Method = (this: unknown, ...args: unknown[]) => unknown

function defineMethod(name: string, method: Method): void {
  Object.defineProperty(PluginTable.prototype, name, { value: method, writable: false, enumerable: false, configurable: false })
}

/** A method that starts a fresh query and calls `method` on it. */
function queryMethod(method: string): Method {
  return function (this: unknown, ...args: unknown[]) {
    const query = new TableQuery(contextOf(this, method)) as unknown as Record<string, (...items: unknown[]) => unknown>
    return (query[method] as (...items: unknown[]) => unknown).apply(query, args)
  }
}

for (const method of ["select", ...CHAIN, ...TERMINALS]) defineMethod(method, queryMethod(method))
for (const [method, verb] of Object.entries(CONFLICT)) {
  defineMethod(method, function (this: unknown, rows: unknown) {
    return insertRows(contextOf(this, method), verb, method, rows)
  })
}

/** The table calls beyond the query builder, each given the table's context. */
const TABLE_CALLS: Record<string, (ctx: TableContext, arg: unknown) => unknown> = {
  insertBatch: (ctx, rows: unknown) => insertRows(ctx, "INSERT", "insertBatch", nonEmptyList(ctx, "insertBatch", rows)),
  upsert: (ctx, row: unknown) => {
    if (Array.isArray(row)) throw tableError(ctx.name, "upsert() takes one row")
    return insertRows(ctx, "INSERT OR REPLACE", "upsert", row)
  },
  insertAndGet: (ctx, row: unknown): Row | null => {
    if (Array.isArray(row)) throw tableError(ctx.name, "insertAndGet() takes one row")
    const { insertId, changes } = insertRows(ctx, "INSERT", "insertAndGet", row)
    if (changes === 0) return null
    const stored = ctx.run(() => ctx.prepare(`SELECT * FROM ${ctx.table} WHERE _rowid_ = ?`).get([insertId])) as Row | undefined
    if (stored === undefined || stored === null) return null
    if ("_metadata" in stored) delete stored._metadata
    return ctx.hasDecoders ? ctx.decode(stored) : stored
  },
  updateBatch: (ctx, updates: unknown): ChangeResult =>
    eachInOneTransaction(ctx, "updateBatch", updates, (item, index) => {
      if (!isObject(item) || !isObject(item.data)) throw tableError(ctx.name, `updateBatch(): item ${index} must be { where, data }`)
      const where = equality(ctx, "updateBatch", item.where, index)
      const sets: string[] = []
      const params: unknown[] = []
      for (const column of Object.keys(item.data)) {
        const value = item.data[column]
        if (value === undefined) continue
        const codec = ctx.codecOf(column, "updateBatch")
        sets.push(`${ctx.quoted.get(column)} = ?`)
        params.push(value === null ? null : codec.encode(value, column))
      }
      if (sets.length === 0) return 0
      return Number(ctx.prepare(`UPDATE ${ctx.table} SET ${sets.join(", ")}${where.sql}`).run([...params, ...where.params]).changes)
    }),
  deleteBatch: (ctx, conditions: unknown): ChangeResult =>
    eachInOneTransaction(ctx, "deleteBatch", conditions, (item, index) => {
      const where = equality(ctx, "deleteBatch", item, index)
      return Number(ctx.prepare(`DELETE FROM ${ctx.table}${where.sql}`).run(where.params).changes)
    }),
  deleteDuplicates: (ctx, list: unknown): ChangeResult => {
    ctx.assertWritable("deleteDuplicates")
    const names = nonEmptyList(ctx, "deleteDuplicates", list).map((column) => {
      ctx.codecOf(column, "deleteDuplicates")
      return ctx.quoted.get(column as string) as string
    })
    const sql = `DELETE FROM ${ctx.table} WHERE _rowid_ NOT IN (SELECT MIN(_rowid_) FROM ${ctx.table} GROUP BY ${names.join(", ")})`
    return ctx.run(() => ({ changes: Number(writeTransaction(ctx.client, () => ctx.prepare(sql).run([])).changes) }))
  },
  truncate: (ctx): ChangeResult => {
    ctx.assertWritable("truncate")
    return ctx.run(() => ({ changes: Number(writeTransaction(ctx.client, () => ctx.prepare(`DELETE FROM ${ctx.table}`).run([])).changes) }))
  },
}

for (const [method, call] of Object.entries(TABLE_CALLS)) {
  defineMethod(method, function (this: unknown, arg: unknown) {
    return call(contextOf(this, method), arg)
  })
}

/** The table API for a plugin's table config: its columns, jsonColumns and DockStat's parser (JSON, BOOLEAN). */
export function createPluginTableApi(client: SqliteConnection, config: TableConfig): TableApi {
  // What the table's context is built from, taken now: a plugin that changes its config object or its
  // column objects later does not change its table's API (the codecs read flat keys: kind, asText).
  const name = config.name
  const columns: Record<string, ColumnDescriptor | RawColumn> = {}
  for (const key of Object.keys(config.columns)) {
    const column = config.columns[key] as ColumnDescriptor | RawColumn
    columns[key] = typeof column === "object" && column !== null ? { ...column } : column
  }
  const jsonColumns = [...(config.jsonColumns ?? []), ...(config.parser?.JSON ?? [])]
  const booleanColumns = [...(config.parser?.BOOLEAN ?? [])]
  const options: TableApiOptions = {}
  if (jsonColumns.length > 0) options.jsonColumns = jsonColumns
  if (booleanColumns.length > 0) options.booleanColumns = booleanColumns
  // The config was validated before (ensurePluginTable, or the install's migration): the context (codecs,
  // statement cache, quoted names) is built on the table's first use. Many plugins load at a start and
  // touch their table later, or never.
  return new PluginTable({ name, columnNames: Object.freeze(Object.keys(columns)), make: () => createTableContext(client, name, columns, options) }) as unknown as TableApi
}
