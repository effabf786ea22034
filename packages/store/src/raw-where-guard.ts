/**
 * Raw where expressions (`whereExpr` / `whereRaw`) may read the plugin's own table and nothing else.
 *
 * SQLite's authorizer decides: every distinct where clause holding a raw expression is first prepared
 * on a scratch connection (an in-memory database holding a copy of the plugin's table definition, no
 * rows) whose authorizer (`Database.authorizer` of libsql) allows that one table and denies everything
 * else: other tables, sqlite_master, pragma and other virtual tables, ATTACH, transactions. Only a clause
 * that prepares there runs on the real connection. The real connection never gets an authorizer, so
 * normal statements cost nothing more.
 *
 * Why a scratch connection: libsql 0.5's authorizer cannot be removed once set, and it refuses every SQL
 * function. So functions are checked lexically instead (the raw fragment may call only the listed
 * side-effect-free functions, see plugin-schema's sql-expression.ts), and for the authorizer's pass each
 * function call becomes a plain list (`lower(x)` -> `(0 IN (x))`), LIKE and GLOB become `=`: the names the
 * clause reads stay exactly as they are.
 */
import { quoteSqlIdentifier, tokenizeSql } from "@dockstat/plugin-schema"

import type { SqlToken } from "@dockstat/plugin-schema"

import type { SqliteConnection } from "./db.ts"

/** Words that take a parenthesis without being a function call (kept as they are). */
const NOT_FUNCTIONS = new Set(["in", "exists", "cast", "values", "and", "or", "not", "when", "then", "else", "as", "over", "filter", "is", "like", "glob", "between", "on", "using", "select", "from", "where", "case", "escape"])
const TABLE_PLACES = new Set(["from", "join", "with", "recursive"])
const AUTHORIZE_ONLY = 0
const MAX_VERIFIED = 256

/**
 * The clause as the authorizer's pass sees it: function calls and the operators SQLite runs as
 * functions replaced by expressions that read the same names.
 */
export function withoutFunctions(sql: string): string {
  const tokens = tokenizeSql(sql)
  const out: string[] = []
  const closers: boolean[] = []
  let rewriteNextParen = false
  tokens.forEach((token: SqlToken, index) => {
    const lower = token.text.toLowerCase()
    const next = tokens[index + 1]
    const previous = tokens[index - 1]?.text.toLowerCase()
    // In a table's place (FROM x(...)) it is a table-valued function, after WITH a table's columns: the
    // authorizer sees those as tables.
    if (token.type === "word" && next?.type === "(" && !NOT_FUNCTIONS.has(lower) && !TABLE_PLACES.has(previous ?? "")) {
      out.push("(0 IN")
      rewriteNextParen = true
      return
    }
    if (token.type === "(") {
      closers.push(rewriteNextParen)
      rewriteNextParen = false
      out.push("(")
      return
    }
    if (token.type === ")") {
      out.push(closers.pop() ? "))" : ")")
      return
    }
    if (token.type === "word" && (lower === "like" || lower === "glob")) {
      if (out.at(-1)?.toLowerCase() === "not") out.pop()
      out.push("=")
      return
    }
    if (token.type === "word" && lower === "escape") return void out.push("AND")
    if (token.type === "word" && (lower === "current_timestamp" || lower === "current_date" || lower === "current_time")) return void out.push("NULL")
    if (token.type === "op" && (token.text === "->" || token.text === "->>")) return void out.push("||")
    out.push(token.text)
  })
  return out.join(" ")
}

export interface RawWhereGuard {
  /** Throws (with SQLite's reason) unless `whereClause` (" WHERE ...") reads only the plugin's table. */
  verify(whereClause: string): void
}

export function createRawWhereGuard(client: SqliteConnection, tableName: string, refuse: (reason: string) => Error): RawWhereGuard {
  const quotedTable = quoteSqlIdentifier(tableName)
  let scratch: SqliteConnection | undefined
  let definition: string | undefined
  let lookup: { get(params: unknown[]): unknown } | undefined
  const verified = new Set<string>()

  const scratchConnection = (): SqliteConnection => {
    lookup ??= client.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?") as unknown as { get(params: unknown[]): unknown }
    const current = (lookup.get([tableName]) as { sql?: string } | undefined)?.sql
    if (current === undefined) throw refuse(`table "${tableName}" does not exist`)
    if (scratch !== undefined && current === definition) return scratch
    scratch?.close()
    verified.clear()
    // The same libsql build as the real connection (the worker runtime loads its own copy).
    const Database = client.constructor as new (path: string) => SqliteConnection
    const fresh = new Database(":memory:")
    fresh.exec(current)
    // Allowed: this table. Everything else the authorizer sees is denied.
    // libsql's own method (its types, copied from better-sqlite3, do not list it).
    ;(fresh as unknown as { authorizer(rules: Record<string, number>): void }).authorizer({ [tableName]: AUTHORIZE_ONLY })
    scratch = fresh
    definition = current
    return fresh
  }

  return {
    verify(whereClause) {
      if (verified.has(whereClause)) return
      const connection = scratchConnection()
      let probe: string
      try {
        probe = `SELECT 1 FROM ${quotedTable} ${withoutFunctions(whereClause)}`
      } catch (error) {
        throw refuse((error as Error).message)
      }
      try {
        connection.prepare(probe)
      } catch (error) {
        throw refuse((error as Error).message)
      }
      if (verified.size >= MAX_VERIFIED) verified.clear()
      verified.add(whereClause)
    },
  }
}
