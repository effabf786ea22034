/**
 * One query of the table API: where conditions, selection, order and paging, then an executing call.
 * DockStat's query builder semantics: `where` with null or undefined is IS NULL; a later condition on a
 * column replaces the earlier ones on it (whereOp adds, so ranges work); whereRgx filters in JavaScript
 * after the SQL part, and order, limit and offset still hold; update and delete need a where (whereRgx
 * counts); the query's state is reset after each execution.
 */
import { checkSqlFragment, unquoteIdentifier } from "@dockstat/plugin-schema"

import type { ChangeResult, Row, SqlToken } from "@dockstat/plugin-schema"

import { tableError } from "./errors.ts"
import { cleanRow } from "./clean-row.ts"
import { regexCondition, regexText } from "./regex-condition.ts"
import type { RegexCondition } from "./regex-condition.ts"
import type { TableContext } from "./table-context.ts"
import { writeTransaction } from "./write-transaction.ts"

interface Condition {
  /** The column it is about; null for a raw expression (never replaced). */
  column: string | null
  sql: string
  params: unknown[]
}

interface OrderTerm {
  column: string
  direction: "ASC" | "DESC"
}

/** whereOp's operators (case-insensitive). */
const OPERATORS = new Set(["=", "==", "!=", "<>", "<", "<=", ">", ">=", "LIKE", "GLOB", "IS", "IS NOT"])
const ROWID = "__dockstat_rowid__"
/** A row's rowid, whatever the plugin named its columns. */
const ROWID_SELECT = `_rowid_ AS "${ROWID}"`

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

export class TableQuery {
  readonly #ctx: TableContext
  #columns: string[] | null = null
  #conditions: Condition[] = []
  #regex: RegexCondition[] = []
  #raw = false
  #order: OrderTerm[] = []
  #pendingDirection: "ASC" | "DESC" | undefined = undefined
  #limitValue: number | undefined = undefined
  #offsetValue: number | undefined = undefined

  constructor(ctx: TableContext) {
    this.#ctx = ctx
  }

  // ----- chain -----

  select(requested?: readonly string[]): this {
    if (requested === undefined || (Array.isArray(requested) && (requested.length === 0 || (requested.length === 1 && requested[0] === "*")))) {
      this.#columns = null
      return this
    }
    if (!Array.isArray(requested)) throw tableError(this.#ctx.name, `select() expects an array of column names, got ${typeof requested}`)
    for (const column of requested) {
      if (column === "*") throw tableError(this.#ctx.name, 'select(): "*" cannot be combined with column names')
      this.#ctx.codecOf(column, "select")
    }
    this.#columns = [...requested]
    return this
  }

  where(conditions: unknown): this {
    if (!isObject(conditions)) {
      throw tableError(this.#ctx.name, `where() expects an object of column: value, got ${Array.isArray(conditions) ? "array" : typeof conditions}`)
    }
    for (const column of Object.keys(conditions)) {
      const codec = this.#ctx.codecOf(column, "where")
      const value = conditions[column]
      const quoted = this.#ctx.quoted.get(column) as string
      this.#replace(column)
      if (value === null || value === undefined) this.#conditions.push({ column, sql: `${quoted} IS NULL`, params: [] })
      else this.#conditions.push({ column, sql: `${quoted} = ?`, params: [codec.encode(value, column)] })
    }
    return this
  }

  whereIn(column: string, values: unknown): this {
    return this.#inList("whereIn", column, values, "IN")
  }

  whereNotIn(column: string, values: unknown): this {
    return this.#inList("whereNotIn", column, values, "NOT IN")
  }

  whereOp(column: string, op: unknown, value: unknown): this {
    const codec = this.#ctx.codecOf(column, "whereOp")
    const operator = typeof op === "string" ? op.trim().replace(/\s+/g, " ").toUpperCase() : ""
    if (!OPERATORS.has(operator)) {
      throw tableError(this.#ctx.name, `whereOp(): operator ${JSON.stringify(op)} is not allowed; use one of ${[...OPERATORS].join(", ")} (any case)`)
    }
    const quoted = this.#ctx.quoted.get(column) as string
    if (value === null || value === undefined) {
      if (operator === "=" || operator === "==" || operator === "IS") this.#conditions.push({ column, sql: `${quoted} IS NULL`, params: [] })
      else if (operator === "!=" || operator === "<>" || operator === "IS NOT") this.#conditions.push({ column, sql: `${quoted} IS NOT NULL`, params: [] })
      // Any other comparison with NULL is never true in SQL, and stays so.
      else this.#conditions.push({ column, sql: `${quoted} ${operator} NULL`, params: [] })
      return this
    }
    // A LIKE or GLOB pattern is text whatever the column holds.
    const param = operator === "LIKE" || operator === "GLOB" ? this.#pattern(operator, value) : codec.encode(value, column)
    this.#conditions.push({ column, sql: `${quoted} ${operator} ?`, params: [param] })
    return this
  }

  whereBetween(column: string, min: unknown, max: unknown): this {
    return this.#between("whereBetween", column, min, max, "BETWEEN")
  }

  whereNotBetween(column: string, min: unknown, max: unknown): this {
    return this.#between("whereNotBetween", column, min, max, "NOT BETWEEN")
  }

  whereNull(column: string): this {
    this.#ctx.codecOf(column, "whereNull")
    this.#replace(column)
    this.#conditions.push({ column, sql: `${this.#ctx.quoted.get(column)} IS NULL`, params: [] })
    return this
  }

  whereNotNull(column: string): this {
    this.#ctx.codecOf(column, "whereNotNull")
    this.#replace(column)
    this.#conditions.push({ column, sql: `${this.#ctx.quoted.get(column)} IS NOT NULL`, params: [] })
    return this
  }

  /** `{ column: RegExp | string }`, tested in JavaScript against each row the SQL part returns. */
  whereRgx(conditions: unknown): this {
    if (!isObject(conditions)) throw tableError(this.#ctx.name, `whereRgx() expects an object of column: RegExp, got ${typeof conditions}`)
    for (const column of Object.keys(conditions)) {
      const codec = this.#ctx.codecOf(column, "whereRgx")
      const value = conditions[column]
      this.#replace(column)
      if (value === null || value === undefined) continue
      const condition = regexCondition(this.#ctx.name, column, value)
      if (condition !== null) this.#regex.push(condition)
      // Not a pattern: an equality, as DockStat does.
      else this.#conditions.push({ column, sql: `${this.#ctx.quoted.get(column)} = ?`, params: [codec.encode(value, column)] })
    }
    return this
  }

  /** A raw SQL condition with `?` parameters; it may read only this table (checked by SQLite's authorizer). */
  whereExpr(expression: unknown, params: unknown = []): this {
    const found: { tokens?: SqlToken[] } = {}
    const why = checkSqlFragment(expression, { what: "whereExpr", params: true, queries: true }, found)
    if (why !== null) throw tableError(this.#ctx.name, why)
    if (!Array.isArray(params)) throw tableError(this.#ctx.name, `whereExpr(): params must be an array, got ${typeof params}`)
    const placeholders = (found.tokens ?? []).filter((token) => token.type === "param")
    if (placeholders.some((token) => token.text !== "?")) throw tableError(this.#ctx.name, "whereExpr(): use ? for parameters (named and numbered ones are not supported)")
    if (placeholders.length !== params.length) {
      throw tableError(this.#ctx.name, `whereExpr(): the expression has ${placeholders.length} ? placeholder(s) but ${params.length} parameter(s) were given`)
    }
    const shape = subqueryProblem(found.tokens ?? [], this.#ctx.name)
    if (shape !== null) throw tableError(this.#ctx.name, `whereExpr(): ${shape}`)
    this.#conditions.push({ column: null, sql: `(${expression as string})`, params: params.map((param, index) => bindable(this.#ctx.name, param, index)) })
    this.#raw = true
    return this
  }

  whereRaw(expression: unknown, params: unknown = []): this {
    return this.whereExpr(expression, params)
  }

  orderBy(column: string, direction?: unknown): this {
    this.#ctx.codecOf(column, "orderBy")
    if (direction === undefined) {
      this.#order.push({ column, direction: this.#pendingDirection ?? "ASC" })
      return this
    }
    const dir = String(direction).toUpperCase()
    if (dir !== "ASC" && dir !== "DESC") throw tableError(this.#ctx.name, `orderBy() direction must be "asc" or "desc", got ${JSON.stringify(direction)}`)
    this.#order.push({ column, direction: dir })
    return this
  }

  asc(): this {
    return this.#direction("ASC")
  }

  desc(): this {
    return this.#direction("DESC")
  }

  limit(value: unknown): this {
    this.#limitValue = this.#count_("limit", value)
    return this
  }

  offset(value: unknown): this {
    this.#offsetValue = this.#count_("offset", value)
    return this
  }

  // ----- select terminals -----

  all(): Row[] {
    return this.#once(() => this.#rows())
  }

  /** The first row (a set limit still holds: `limit(0).get()` is null), or null. */
  get(): Row | null {
    return this.#once(() => {
      if (this.#regex.length > 0) return this.#rows()[0] ?? null
      const limit = this.#limitValue === undefined ? 1 : Math.min(this.#limitValue, 1)
      return this.#single(limit)
    })
  }

  /** The first row, or null. */
  first(): Row | null {
    return this.#once(() => {
      if (this.#regex.length > 0) {
        this.#limitValue = 1
        return this.#rows()[0] ?? null
      }
      return this.#single(1)
    })
  }

  /** How many rows match (limit and offset do not count). */
  count(): number {
    return this.#once(() => {
      if (this.#regex.length > 0) return this.#matching(false).length
      const params: unknown[] = []
      const sql = `SELECT COUNT(*) AS n FROM ${this.#ctx.table}${this.#whereSql(params)}`
      const row = this.#ctx.run(() => this.#ctx.prepare(sql).get(params)) as { n: number | bigint }
      return Number(row.n)
    })
  }

  exists(): boolean {
    return this.#once(() => {
      if (this.#regex.length > 0) return this.#matching(false).length > 0
      const params: unknown[] = []
      const sql = `SELECT EXISTS(SELECT 1 FROM ${this.#ctx.table}${this.#whereSql(params)}) AS found`
      const row = this.#ctx.run(() => this.#ctx.prepare(sql).get(params)) as { found: number | bigint }
      return Number(row.found) === 1
    })
  }

  /** `column` of the first row, or null. */
  value(column: string): unknown {
    const row = this.#once(() => {
      this.#ctx.codecOf(column, "value")
      this.#columns = [column]
      if (this.#regex.length > 0) {
        this.#limitValue = 1
        return this.#rows()[0] ?? null
      }
      return this.#single(1)
    })
    return row === null ? null : (row[column] ?? null)
  }

  /** `column` of every row. */
  pluck(column: string): unknown[] {
    return this.#once(() => {
      this.#ctx.codecOf(column, "pluck")
      this.#columns = [column]
      return this.#rows().map((row) => row[column])
    })
  }

  // ----- update terminals -----

  update(values: unknown): ChangeResult {
    return this.#once(() => {
      this.#ctx.assertWritable("update")
      this.#requireWhere("update")
      if (!isObject(values)) throw tableError(this.#ctx.name, `update() expects an object of column: value, got ${Array.isArray(values) ? "array" : typeof values}`)
      const { sets, params } = this.#sets(values, "update")
      if (sets.length === 0) return { changes: 0 }
      return this.#write(`UPDATE ${this.#ctx.table} SET ${sets.join(", ")}`, params)
    })
  }

  increment(column: string, amount: unknown = 1): ChangeResult {
    return this.#once(() => {
      this.#ctx.assertWritable("increment")
      this.#ctx.codecOf(column, "increment")
      this.#requireWhere("increment")
      if (typeof amount !== "number" || !Number.isFinite(amount)) throw tableError(this.#ctx.name, `increment()/decrement() expects a finite number, got ${JSON.stringify(amount)}`)
      const quoted = this.#ctx.quoted.get(column) as string
      return this.#write(`UPDATE ${this.#ctx.table} SET ${quoted} = ${quoted} + ?`, [amount])
    })
  }

  decrement(column: string, amount: unknown = 1): ChangeResult {
    return this.increment(column, typeof amount === "number" ? -amount : amount)
  }

  /** Updates the matching rows and returns them as they were before. */
  updateAndGet(values: unknown): Row[] {
    return this.#once(() => {
      this.#ctx.assertWritable("updateAndGet")
      this.#requireWhere("updateAndGet")
      if (!isObject(values)) throw tableError(this.#ctx.name, `updateAndGet() expects an object of column: value, got ${typeof values}`)
      const { sets, params } = this.#sets(values, "updateAndGet")
      return this.#ctx.run(() =>
        writeTransaction(this.#ctx.client, () => {
          const rows = this.#matching(true)
          if (sets.length === 0 || rows.length === 0) return []
          this.#byRowid(rows, `UPDATE ${this.#ctx.table} SET ${sets.join(", ")}`, params)
          return this.#project(rows)
        }),
      )
    })
  }

  /** Marks the matching rows deleted: `column` (default deleted_at) set to `value` (default now, unix seconds). */
  softDelete(column: string = "deleted_at", value: unknown = Math.floor(Date.now() / 1000)): ChangeResult {
    return this.#once(() => {
      this.#ctx.assertWritable("softDelete")
      const codec = this.#ctx.codecOf(column, "softDelete")
      this.#requireWhere("softDelete")
      return this.#write(`UPDATE ${this.#ctx.table} SET ${this.#ctx.quoted.get(column)} = ?`, [codec.encode(value, column)])
    })
  }

  /** Clears the soft-delete mark of the matching rows. */
  restore(column: string = "deleted_at"): ChangeResult {
    return this.#once(() => {
      this.#ctx.assertWritable("restore")
      this.#ctx.codecOf(column, "restore")
      this.#requireWhere("restore")
      return this.#write(`UPDATE ${this.#ctx.table} SET ${this.#ctx.quoted.get(column)} = NULL`, [])
    })
  }

  // ----- delete terminals -----

  delete(): ChangeResult {
    return this.#once(() => {
      this.#ctx.assertWritable("delete")
      this.#requireWhere("delete")
      return this.#write(`DELETE FROM ${this.#ctx.table}`, [])
    })
  }

  /** Deletes the matching rows and returns them. */
  deleteAndGet(): Row[] {
    return this.#once(() => {
      this.#ctx.assertWritable("deleteAndGet")
      this.#requireWhere("deleteAndGet")
      return this.#ctx.run(() =>
        writeTransaction(this.#ctx.client, () => {
          const rows = this.#matching(true)
          if (rows.length === 0) return []
          this.#byRowid(rows, `DELETE FROM ${this.#ctx.table}`, [])
          return this.#project(rows)
        }),
      )
    })
  }

  /** Deletes the matching rows whose `column` is below `before` (unix seconds, or whatever the column holds). */
  deleteOlderThan(column: string, before: unknown): ChangeResult {
    this.whereOp(column, "<", before)
    return this.delete()
  }

  // ----- internals -----

  /** Runs an executing call, then resets the query, as DockStat's builder does. */
  #once<T>(fn: () => T): T {
    try {
      return fn()
    } finally {
      this.#columns = null
      this.#conditions = []
      this.#regex = []
      this.#raw = false
      this.#order = []
      this.#pendingDirection = undefined
      this.#limitValue = undefined
      this.#offsetValue = undefined
    }
  }

  /** Removes every condition on `column` (SQL and regex): a later condition replaces earlier ones. */
  #replace(column: string): void {
    if (this.#conditions.length > 0) this.#conditions = this.#conditions.filter((condition) => condition.column !== column)
    if (this.#regex.length > 0) this.#regex = this.#regex.filter((condition) => condition.column !== column)
  }

  #inList(method: string, column: string, values: unknown, operator: "IN" | "NOT IN"): this {
    const codec = this.#ctx.codecOf(column, method)
    if (!Array.isArray(values) || values.length === 0) throw tableError(this.#ctx.name, `${method}() needs a non-empty array of values`)
    this.#replace(column)
    const params = values.map((value) => (value === null || value === undefined ? null : codec.encode(value, column)))
    this.#conditions.push({ column, sql: `${this.#ctx.quoted.get(column)} ${operator} (${params.map(() => "?").join(", ")})`, params })
    return this
  }

  #between(method: string, column: string, min: unknown, max: unknown, operator: "BETWEEN" | "NOT BETWEEN"): this {
    const codec = this.#ctx.codecOf(column, method)
    if (min === null || min === undefined || max === null || max === undefined) throw tableError(this.#ctx.name, `${method}() needs a min and a max`)
    this.#replace(column)
    this.#conditions.push({ column, sql: `${this.#ctx.quoted.get(column)} ${operator} ? AND ?`, params: [codec.encode(min, column), codec.encode(max, column)] })
    return this
  }

  #pattern(operator: string, value: unknown): string {
    if (typeof value !== "string") throw tableError(this.#ctx.name, `whereOp(): a ${operator} pattern must be a string, got ${typeof value}`)
    return value
  }

  /** asc()/desc() set the direction of the last orderBy, or of the next one when none came yet. */
  #direction(direction: "ASC" | "DESC"): this {
    const last = this.#order.at(-1)
    if (last !== undefined) last.direction = direction
    else this.#pendingDirection = direction
    return this
  }

  #count_(what: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw tableError(this.#ctx.name, `${what}() expects a non-negative integer, got ${JSON.stringify(value)}`)
    }
    return value
  }

  #requireWhere(operation: string): void {
    if (this.#conditions.length === 0 && this.#regex.length === 0) {
      throw tableError(this.#ctx.name, `${operation}() needs a where() clause (where, whereIn, whereOp, whereExpr, whereRgx ...); refusing to change every row`)
    }
  }

  /** " WHERE ..." with its parameters pushed to `params`; a clause with a raw expression is checked first. */
  #whereSql(params: unknown[]): string {
    const conditions = this.#conditions
    if (conditions.length === 0) return ""
    let sql = " WHERE "
    for (let index = 0; index < conditions.length; index++) {
      const condition = conditions[index] as Condition
      if (index > 0) sql += " AND "
      sql += condition.sql
      for (const param of condition.params) params.push(param)
    }
    if (this.#raw) this.#ctx.verifyRaw(sql)
    return sql
  }

  #orderSql(): string {
    if (this.#order.length === 0) return ""
    return ` ORDER BY ${this.#order.map((term) => `${this.#ctx.quoted.get(term.column)} ${term.direction}`).join(", ")}`
  }

  #selectList(): string {
    return this.#columns === null ? "*" : this.#columns.map((column) => this.#ctx.quoted.get(column) as string).join(", ")
  }

  /** The selected rows, regex conditions, order, offset and limit applied. */
  #rows(): Row[] {
    if (this.#regex.length > 0) {
      const start = this.#offsetValue ?? 0
      const matched = this.#matching(false)
      return this.#project(this.#limitValue === undefined ? matched.slice(start) : matched.slice(start, start + this.#limitValue))
    }
    const params: unknown[] = []
    let sql = `SELECT ${this.#selectList()} FROM ${this.#ctx.table}${this.#whereSql(params)}${this.#orderSql()}`
    if (this.#limitValue !== undefined || this.#offsetValue !== undefined) {
      sql += " LIMIT ? OFFSET ?"
      params.push(this.#limitValue ?? -1, this.#offsetValue ?? 0)
    }
    const rows = this.#ctx.run(() => this.#ctx.prepare(sql).all(params)) as Row[]
    if (this.#ctx.hasDecoders) for (const row of rows) this.#ctx.decode(row)
    return rows
  }

  #single(limit: number): Row | null {
    const params: unknown[] = []
    const sql = `SELECT ${this.#selectList()} FROM ${this.#ctx.table}${this.#whereSql(params)}${this.#orderSql()} LIMIT ? OFFSET ?`
    params.push(limit, this.#offsetValue ?? 0)
    const row = cleanRow(this.#ctx.run(() => this.#ctx.prepare(sql).get(params)) as Row | undefined)
    if (row === undefined || row === null) return null
    return this.#ctx.hasDecoders ? this.#ctx.decode(row) : row
  }

  /**
   * Every row the conditions match, in order, decoded, whole (`withRowid`: with its rowid for a write
   * that follows), regex conditions applied. No limit or offset.
   */
  #matching(withRowid: boolean): Row[] {
    const params: unknown[] = []
    const sql = `SELECT ${withRowid ? `${ROWID_SELECT}, ` : ""}* FROM ${this.#ctx.table}${this.#whereSql(params)}${this.#orderSql()}`
    let rows = this.#ctx.run(() => this.#ctx.prepare(sql).all(params)) as Row[]
    if (this.#ctx.hasDecoders) for (const row of rows) this.#ctx.decode(row)
    for (const condition of this.#regex) {
      const values = rows.map((row) => regexText(row[condition.column]))
      const verdicts = condition.test(values)
      rows = rows.filter((_row, index) => verdicts[index] === true)
    }
    return rows
  }

  /** Rows reduced to the selected columns (and without the rowid of a write). */
  #project(rows: Row[]): Row[] {
    const columns = this.#columns
    return rows.map((row) => {
      if (columns === null) {
        if (ROWID in row) delete row[ROWID]
        return row
      }
      const out: Row = {}
      for (const column of columns) out[column] = row[column]
      return out
    })
  }

  #sets(values: Record<string, unknown>, operation: string): { sets: string[]; params: unknown[] } {
    const sets: string[] = []
    const params: unknown[] = []
    for (const column of Object.keys(values)) {
      const value = values[column]
      if (value === undefined) continue
      const codec = this.#ctx.codecOf(column, operation)
      sets.push(`${this.#ctx.quoted.get(column)} = ?`)
      params.push(value === null ? null : codec.encode(value, column))
    }
    return { sets, params }
  }

  /** An UPDATE or DELETE of the matching rows: by its where clause, or row by row when regex conditions pick them. */
  #write(statement: string, params: unknown[]): ChangeResult {
    return this.#ctx.run(() => {
      if (this.#regex.length === 0) {
        const all = [...params]
        const sql = `${statement}${this.#whereSql(all)}`
        const info = writeTransaction(this.#ctx.client, () => this.#ctx.prepare(sql).run(all))
        return { changes: Number(info.changes) }
      }
      return writeTransaction(this.#ctx.client, () => ({ changes: this.#byRowid(this.#matching(true), statement, params) }))
    })
  }

  #byRowid(rows: Row[], statement: string, params: unknown[]): number {
    const prepared = this.#ctx.prepare(`${statement} WHERE _rowid_ = ?`)
    let changes = 0
    for (const row of rows) changes += Number(prepared.run([...params, row[ROWID]]).changes)
    return changes
  }
}

const AFTER_TABLE = new Set([")", "where", "group", "order", "limit", "union", "except", "intersect"])

/**
 * Subqueries in a raw expression read this table only, one at a time: no JOIN, no second table, no alias,
 * no WITH. Each then costs one pass over the table at most; a join or an aliased (correlated) subquery
 * could cost a pass per row, and would keep the host's thread for as long.
 */
function subqueryProblem(tokens: readonly SqlToken[], table: string): string | null {
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as SqlToken
    const lower = token.type === "word" ? token.text.toLowerCase() : ""
    if (lower === "join" || lower === "with" || lower === "recursive") return `${token.text.toUpperCase()} is not allowed; a subquery reads this table only`
    if (lower !== "from" || tokens[index - 1]?.text.toLowerCase() === "distinct") continue
    const name = tokens[index + 1]
    const named = name?.type === "word" ? name.text : name?.type === "quoted" ? unquoteIdentifier(name.text) : undefined
    if (named?.toLowerCase() !== table.toLowerCase()) return `a subquery may read only this plugin's table "${table}", not ${name?.text ?? "nothing"}`
    const next = tokens[index + 2]
    if (next !== undefined && !AFTER_TABLE.has(next.type === "word" ? next.text.toLowerCase() : next.type)) {
      return `a subquery reads "${table}" alone: no alias, join or second table (found ${next.text} after it)`
    }
  }
  return null
}

/** A whereExpr parameter as SQLite binds it. */
function bindable(table: string, value: unknown, index: number): unknown {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "bigint") return value
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof Uint8Array) return value
  if (value instanceof Date) return value.toISOString()
  if (value === undefined) return null
  throw tableError(table, `whereExpr(): parameter ${index + 1} is a ${typeof value}; pass strings, numbers, booleans, null, Dates or bytes`)
}
