import type {
  ChangeResult,
  ColumnDescriptor,
  InsertResult,
  Row,
  TableApi,
  WhereQuery,
} from "@dockstat/plugin-schema"
import { isPluginError } from "@dockstat/plugin-schema"

import { columnCodec } from "./column-codec.ts"
import type { ColumnCodec } from "./column-codec.ts"
import type { SqliteConnection } from "./db.ts"
import { fromSqliteError, tableError, unknownColumnError } from "./errors.ts"

import type { Statement } from "./db.ts"
import { cleanRow } from "./clean-row.ts"
import { writeTransaction } from "./write-transaction.ts"

export interface TableApiOptions {
  /** Text columns whose values are JSON. */
  jsonColumns?: readonly string[]
  /** Refuse insert, update and delete (the host's own tables). */
  readOnly?: boolean
}

/** Per table API object: how many of its writes (insert, update, delete calls) succeeded. */
const writeCounts = new WeakMap<TableApi, () => number>()

/**
 * How many writes through this table API object have succeeded so far (0 for an object the store did
 * not make). The route runner compares it before and after a call: unchanged, the call wrote nothing
 * through it, so running the call again cannot store anything twice.
 */
export function tableWriteCount(table: TableApi | null | undefined): number {
  return table == null ? 0 : (writeCounts.get(table)?.() ?? 0)
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`

interface QueryState {
  columns: string
  where: [string, unknown][]
  order: string
  limit: number | undefined
  offset: number | undefined
}

/**
 * Builds the synchronous table API for one table. Built once per plugin load; prepared statements are
 * cached per query shape, so a request pays for a Map lookup and the bind, not for a prepare.
 */
export function createTableApi(
  client: SqliteConnection,
  name: string,
  columns: Readonly<Record<string, ColumnDescriptor>>,
  options: TableApiOptions = {},
): TableApi {
  const columnNames = Object.freeze(Object.keys(columns))
  const json = new Set(options.jsonColumns ?? [])
  const codecs = new Map<string, ColumnCodec>()
  for (const column of columnNames) codecs.set(column, columnCodec(name, columns[column] as ColumnDescriptor, json.has(column)))
  const decoders = [...codecs].filter(([, codec]) => codec.decode !== undefined).map(([column, codec]) => [column, codec.decode] as const)
  const table = quote(name)
  const statements = new Map<string, Statement>()
  const what = `Table "${name}"`
  let writes = 0

  const prepare = (sql: string): Statement => {
    let statement = statements.get(sql)
    if (statement === undefined) {
      try {
        statement = client.prepare(sql) as unknown as Statement
      } catch (error) {
        throw fromSqliteError(name, error)
      }
      statements.set(sql, statement)
    }
    return statement
  }

  const codecOf = (column: string, operation: string): ColumnCodec => {
    const codec = codecs.get(column)
    if (codec === undefined) {
      throw unknownColumnError(name, column, `${operation}: unknown column "${column}" (columns: ${columnNames.join(", ")})`)
    }
    return codec
  }

  const decode = (row: Row): Row => {
    for (const [column, fn] of decoders) {
      if (column in row) row[column] = (fn as (value: unknown) => unknown)(row[column])
    }
    return row
  }

  const run = <T>(fn: () => T): T => {
    try {
      return fn()
    } catch (error) {
      // A PluginError (from prepare) already says what went wrong; wrapping it again would lose its code.
      throw isPluginError(error) ? error : fromSqliteError(name, error)
    }
  }

  const assertWritable = (operation: string) => {
    if (options.readOnly) throw tableError(name, `${operation} is not allowed: this table is read-only`)
  }

  const whereClause = (state: QueryState, params: unknown[]): string => {
    if (state.where.length === 0) return ""
    const parts: string[] = []
    for (const [column, value] of state.where) {
      if (value === null) {
        parts.push(`${quote(column)} IS NULL`)
      } else {
        parts.push(`${quote(column)} = ?`)
        params.push(codecOf(column, "where").encode(value, column))
      }
    }
    return ` WHERE ${parts.join(" AND ")}`
  }

  const addWhere = (state: QueryState, conditions: unknown) => {
    if (typeof conditions !== "object" || conditions === null || Array.isArray(conditions)) {
      throw tableError(name, `where() expects an object of column: value, got ${Array.isArray(conditions) ? "array" : typeof conditions}`)
    }
    for (const column of Object.keys(conditions)) {
      const value = (conditions as Row)[column]
      if (value === undefined) continue
      codecOf(column, "where")
      state.where.push([column, value])
    }
  }

  const selectSql = (state: QueryState, params: unknown[]): string => {
    let sql = `SELECT ${state.columns} FROM ${table}${whereClause(state, params)}${state.order}`
    if (state.limit !== undefined || state.offset !== undefined) {
      sql += " LIMIT ? OFFSET ?"
      params.push(state.limit ?? -1, state.offset ?? 0)
    }
    return sql
  }

  const count = (state: QueryState): number => {
    const params: unknown[] = []
    const sql = `SELECT COUNT(*) AS n FROM ${table}${whereClause(state, params)}`
    const row = run(() => prepare(sql).get(params)) as { n: number | bigint }
    return Number(row.n)
  }

  const nonNegativeInteger = (value: unknown, what: string): number => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw tableError(name, `${what}() expects a non-negative integer, got ${JSON.stringify(value)}`)
    }
    return value
  }

  function makeQuery(state: QueryState): WhereQuery {
    const query: WhereQuery = {
      where(conditions) {
        addWhere(state, conditions)
        return query
      },
      orderBy(column, direction = "asc") {
        codecOf(column, "orderBy")
        const dir = String(direction).toUpperCase()
        if (dir !== "ASC" && dir !== "DESC") throw tableError(name, `orderBy() direction must be "asc" or "desc", got ${JSON.stringify(direction)}`)
        state.order = `${state.order ? `${state.order},` : " ORDER BY"} ${quote(column)} ${dir}`
        return query
      },
      limit(value) {
        state.limit = nonNegativeInteger(value, "limit")
        return query
      },
      offset(value) {
        state.offset = nonNegativeInteger(value, "offset")
        return query
      },
      all() {
        const params: unknown[] = []
        const sql = selectSql(state, params)
        const rows = run(() => prepare(sql).all(params)) as Row[]
        if (decoders.length > 0) for (const row of rows) decode(row)
        return rows
      },
      get() {
        const params: unknown[] = []
        const sql = selectSql({ ...state, limit: 1 }, params)
        const row = cleanRow(run(() => prepare(sql).get(params)) as Row | undefined)
        return row === undefined ? undefined : decoders.length > 0 ? decode(row) : row
      },
      first() {
        return query.get()
      },
      count() {
        return count(state)
      },
      update(values) {
        assertWritable("update")
        if (state.where.length === 0) throw tableError(name, "update() needs a where() clause; refusing to update every row")
        if (typeof values !== "object" || values === null || Array.isArray(values)) {
          throw tableError(name, `update() expects an object of column: value, got ${typeof values}`)
        }
        const params: unknown[] = []
        const sets: string[] = []
        for (const column of Object.keys(values)) {
          const value = (values as Row)[column]
          if (value === undefined) continue
          sets.push(`${quote(column)} = ?`)
          params.push(codecOf(column, "update").encode(value, column))
        }
        if (sets.length === 0) return { changes: 0 }
        const sql = `UPDATE ${table} SET ${sets.join(", ")}${whereClause(state, params)}`
        const info = run(() => writeTransaction(client, () => prepare(sql).run(params), what))
        writes += 1
        return { changes: Number(info.changes) } satisfies ChangeResult
      },
      delete() {
        assertWritable("delete")
        if (state.where.length === 0) throw tableError(name, "delete() needs a where() clause; refusing to delete every row")
        const params: unknown[] = []
        const sql = `DELETE FROM ${table}${whereClause(state, params)}`
        const info = run(() => writeTransaction(client, () => prepare(sql).run(params), what))
        writes += 1
        return { changes: Number(info.changes) } satisfies ChangeResult
      },
    }
    return query
  }

  const selectColumns = (requested: readonly string[] | undefined): string => {
    if (requested === undefined || requested.length === 0 || (requested.length === 1 && requested[0] === "*")) return "*"
    if (!Array.isArray(requested)) throw tableError(name, `select() expects an array of column names, got ${typeof requested}`)
    return requested
      .map((column) => {
        if (column === "*") throw tableError(name, 'select(): "*" cannot be combined with column names')
        codecOf(column, "select")
        return quote(column)
      })
      .join(", ")
  }

  const insertOne = (row: unknown): { insertId: number; changes: number } => {
    if (typeof row !== "object" || row === null || Array.isArray(row) || row instanceof Date) {
      throw tableError(name, `insert() expects an object (or an array of objects) keyed by column name, got ${row === null ? "null" : typeof row}`)
    }
    const names: string[] = []
    const params: unknown[] = []
    for (const column of Object.keys(row)) {
      const value = (row as Row)[column]
      if (value === undefined) continue
      names.push(quote(column))
      params.push(codecOf(column, "insert").encode(value, column))
    }
    const sql =
      names.length === 0
        ? `INSERT INTO ${table} DEFAULT VALUES`
        : `INSERT INTO ${table} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`
    const info = prepare(sql).run(params)
    return { insertId: Number(info.lastInsertRowid), changes: Number(info.changes) }
  }

  const insertMany = (rows: readonly unknown[]) =>
    writeTransaction(client, () => {
      let last = { insertId: 0, changes: 0 }
      let changes = 0
      for (const row of rows) {
        last = insertOne(row)
        changes += last.changes
      }
      return { insertId: last.insertId, changes }
    }, what)

  const newState = (columns = "*"): QueryState => ({ columns, where: [], order: "", limit: undefined, offset: undefined })

  const api: TableApi = {
    name,
    columns: columnNames,
    select(requested) {
      return makeQuery(newState(selectColumns(requested as readonly string[] | undefined)))
    },
    where(conditions) {
      const query = makeQuery(newState())
      return query.where(conditions as Row)
    },
    insert(rows): InsertResult {
      assertWritable("insert")
      try {
        const result = Array.isArray(rows) ? insertMany(rows) : writeTransaction(client, () => insertOne(rows), what)
        writes += 1
        return result
      } catch (error) {
        throw isPluginError(error) ? error : fromSqliteError(name, error)
      }
    },
    all() {
      return makeQuery(newState()).all()
    },
    count() {
      return count(newState())
    },
  }
  const frozen = Object.freeze(api)
  writeCounts.set(frozen, () => writes)
  return frozen
}
