/**
 * A small SQLite tokenizer and the checks plugin-written SQL fragments pass: column defaults
 * (`sql.raw`), CHECK constraints and raw where expressions (`whereExpr`). The checks are lexical: they
 * refuse what a fragment must never hold (statement separators, comments, functions with side effects
 * or unbounded output, other names than the allowed ones). What a where expression reads is checked
 * again by SQLite's authorizer (plugin-store's raw-where guard).
 */

export type SqlTokenType = "word" | "quoted" | "string" | "number" | "blob" | "param" | "op" | "(" | ")" | "," | ";" | "comment"

export interface SqlToken {
  type: SqlTokenType
  text: string
  /** Offset in the source. */
  start: number
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/
const OPERATORS = ["->>", "->", "||", "==", "!=", "<>", "<=", ">=", "<<", ">>", "<", ">", "=", "+", "-", "*", "/", "%", "&", "|", "~", "."]

export class SqlSyntaxError extends Error {}

/** Splits SQL text into tokens (whitespace dropped). Throws SqlSyntaxError for an unterminated literal or a stray character. */
export function tokenizeSql(text: string): SqlToken[] {
  const tokens: SqlToken[] = []
  let index = 0
  const at = (offset = 0) => text[index + offset] ?? ""
  while (index < text.length) {
    const char = at()
    const start = index
    if (/\s/.test(char)) {
      index += 1
    } else if (char === "-" && at(1) === "-") {
      const end = text.indexOf("\n", index)
      index = end === -1 ? text.length : end
      tokens.push({ type: "comment", text: text.slice(start, index), start })
    } else if (char === "/" && at(1) === "*") {
      const end = text.indexOf("*/", index + 2)
      index = end === -1 ? text.length : end + 2
      tokens.push({ type: "comment", text: text.slice(start, index), start })
    } else if (char === "'" || ((char === "x" || char === "X") && at(1) === "'")) {
      const blob = char !== "'"
      index += blob ? 2 : 1
      for (;;) {
        if (index >= text.length) throw new SqlSyntaxError(`unterminated string starting at ${start + 1}`)
        if (at() === "'") {
          if (at(1) === "'") index += 2
          else break
        } else index += 1
      }
      index += 1
      tokens.push({ type: blob ? "blob" : "string", text: text.slice(start, index), start })
    } else if (char === '"' || char === "`" || char === "[") {
      const close = char === "[" ? "]" : char
      index += 1
      for (;;) {
        if (index >= text.length) throw new SqlSyntaxError(`unterminated quoted name starting at ${start + 1}`)
        if (at() === close) {
          if (close !== "]" && at(1) === close) index += 2
          else break
        } else index += 1
      }
      index += 1
      tokens.push({ type: "quoted", text: text.slice(start, index), start })
    } else if (/[0-9]/.test(char) || (char === "." && /[0-9]/.test(at(1)))) {
      const match = /^(?:0[xX][0-9A-Fa-f]+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?)/.exec(text.slice(index))
      index += match?.[0].length ?? 1
      if (WORD_PART.test(at())) throw new SqlSyntaxError(`malformed number at ${start + 1}`)
      tokens.push({ type: "number", text: text.slice(start, index), start })
    } else if (char === "?" || ((char === ":" || char === "@" || char === "$") && WORD_START.test(at(1)))) {
      index += 1
      while (index < text.length && (char === "?" ? /[0-9]/ : WORD_PART).test(at())) index += 1
      tokens.push({ type: "param", text: text.slice(start, index), start })
    } else if (WORD_START.test(char)) {
      while (index < text.length && WORD_PART.test(at())) index += 1
      tokens.push({ type: "word", text: text.slice(start, index), start })
    } else if (char === "(" || char === ")" || char === "," || char === ";") {
      index += 1
      tokens.push({ type: char, text: char, start })
    } else {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, index))
      if (op === undefined) throw new SqlSyntaxError(`unexpected character ${JSON.stringify(char)} at ${start + 1}`)
      index += op.length
      tokens.push({ type: "op", text: op, start })
    }
  }
  return tokens
}

/** The name a quoted identifier stands for. */
export function unquoteIdentifier(text: string): string {
  const open = text[0]
  const inner = text.slice(1, -1)
  if (open === "[") return inner
  return inner.replaceAll(`${open}${open}`, open as string)
}

/**
 * Functions a plugin's SQL fragments may call: deterministic or harmless, no side effects, output bounded
 * by their input. Left out on purpose: load_extension, fts3_tokenizer, zeroblob, printf/format (output
 * sized by an argument), sqlite_* and changes() (host information), table-valued functions (json_each,
 * pragma_*) and aggregates other than min/max.
 */
export const SAFE_SQL_FUNCTIONS: ReadonlySet<string> = new Set([
  "abs", "char", "coalesce", "concat", "concat_ws", "glob", "hex", "ifnull", "iif", "instr", "length", "like", "likelihood",
  "likely", "lower", "ltrim", "max", "min", "nullif", "octet_length", "random", "randomblob", "replace", "round", "rtrim",
  "sign", "substr", "substring", "trim", "typeof", "unicode", "unlikely", "upper",
  "date", "datetime", "julianday", "strftime", "time", "timediff", "unixepoch",
  "json", "json_array", "json_array_length", "json_extract", "json_object", "json_quote", "json_type", "json_valid",
  "ceil", "ceiling", "floor", "trunc", "mod", "pow", "power", "sqrt", "exp", "ln", "log", "log10", "log2", "pi",
])

/**
 * Functions whose result can be several times the size of their arguments. Nested in one another they
 * grow a value geometrically (29 nested `hex()` make half a gigabyte of one character): refused.
 */
const GROWING_FUNCTIONS: ReadonlySet<string> = new Set(["hex", "replace", "concat", "concat_ws", "json_quote", "json_array", "json_object", "char"])

/** Largest literal `randomblob(n)` may ask for: a fragment must not make huge values out of nothing. */
const MAX_RANDOMBLOB = 1024

/** Words that are SQL, not names, in an expression. */
const EXPRESSION_KEYWORDS = new Set([
  "and", "or", "not", "null", "is", "in", "between", "like", "glob", "escape", "case", "when", "then", "else", "end", "cast",
  "as", "collate", "nocase", "binary", "rtrim", "true", "false", "current_timestamp", "current_date", "current_time",
  "isnull", "notnull", "distinct", "from", "integer", "int", "text", "real", "numeric", "blob",
])
/** Words that make a query: allowed in a where expression (subqueries on the plugin's own table), nowhere else. */
const QUERY_KEYWORDS = new Set([
  "select", "where", "group", "by", "having", "order", "asc", "desc", "limit", "offset", "with", "exists", "union", "all",
  "intersect", "except", "join", "inner", "left", "right", "full", "cross", "outer", "on", "using", "values", "natural",
  "recursive", "any", "nulls", "first", "last", "filter", "over", "partition", "rows", "range", "unbounded", "preceding",
  "following", "current", "row",
])
/** Words that take a parenthesis without being a function call. */
const PAREN_KEYWORDS = new Set(["in", "exists", "cast", "values", "and", "or", "not", "when", "then", "else", "as", "over", "filter", "is", "like", "glob", "between", "on", "using", "select", "from", "where", "case", "any", "all", "escape"])
/** Words refused outright: they reach other databases, the schema, or functions no plugin may use. */
const REFUSED_KEYWORDS = new Set(["attach", "detach", "pragma", "vacuum", "reindex", "analyze", "create", "drop", "alter", "insert", "update", "delete", "replace", "into", "regexp", "match", "raise", "savepoint", "release", "rollback", "commit", "begin", "trigger", "temp", "temporary"])

export interface SqlFragmentRules {
  /** What the fragment is, for messages: "default of column x", "whereExpr". */
  what: string
  /**
   * Names the fragment may use (lowercase), bare or quoted. Undefined: any name (a where expression:
   * the authorizer decides what it may read).
   */
  names?: ReadonlySet<string>
  /** `?` and named parameters. */
  params: boolean
  /** SELECT, FROM, EXISTS ...: subqueries. */
  queries: boolean
  /** Longest fragment accepted. */
  maxLength?: number
}

/** Why a fragment is refused, or null when it passes. Returns the tokens through `out` for callers that rewrite them. */
export function checkSqlFragment(text: unknown, rules: SqlFragmentRules, out?: { tokens?: SqlToken[] }): string | null {
  if (typeof text !== "string" || text.trim() === "") return `${rules.what} must be a non-empty string`
  const maxLength = rules.maxLength ?? 4000
  if (text.length > maxLength) return `${rules.what} is longer than ${maxLength} characters`
  let tokens: SqlToken[]
  try {
    tokens = tokenizeSql(text)
  } catch (error) {
    return `${rules.what}: ${(error as Error).message}`
  }
  let depth = 0
  // Depths of the open argument lists of growing functions.
  const growing: number[] = []
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as SqlToken
    const next = tokens[index + 1]
    const lower = token.text.toLowerCase()
    switch (token.type) {
      case "comment":
        return `${rules.what} may not contain comments`
      case ";":
        return `${rules.what} may hold one expression only (no ";")`
      case "(":
        depth += 1
        if (depth > 32) return `${rules.what} nests parentheses too deeply`
        break
      case ")":
        if (growing.at(-1) === depth) growing.pop()
        depth -= 1
        if (depth < 0) return `${rules.what} closes a parenthesis it did not open`
        break
      case "param":
        if (!rules.params) return `${rules.what} may not use parameters (${token.text})`
        break
      case "quoted": {
        if (next?.type === "(") return `${rules.what} may not call a function by a quoted name (${token.text})`
        const name = unquoteIdentifier(token.text).toLowerCase()
        if (rules.names !== undefined && !rules.names.has(name)) return `${rules.what} may not use ${token.text}${describeNames(rules.names)}`
        break
      }
      case "word": {
        if (next?.type === "(" && !PAREN_KEYWORDS.has(lower)) {
          if (!SAFE_SQL_FUNCTIONS.has(lower)) return `${rules.what} may not call ${token.text}(): only ${[...SAFE_SQL_FUNCTIONS].slice(0, 12).join(", ")}, ... are allowed`
          if (GROWING_FUNCTIONS.has(lower)) {
            if (growing.length > 0) return `${rules.what} may not nest ${token.text}() in another of ${[...GROWING_FUNCTIONS].join(", ")} (each can multiply a value's size)`
            growing.push(depth + 1)
          }
          if (lower === "randomblob") {
            const size = tokens[index + 2]
            if (size?.type !== "number" || tokens[index + 3]?.type !== ")" || !(Number(size.text) <= MAX_RANDOMBLOB)) {
              return `${rules.what}: randomblob() takes a number literal up to ${MAX_RANDOMBLOB}`
            }
          }
          break
        }
        if (REFUSED_KEYWORDS.has(lower)) return `${rules.what} may not use ${token.text.toUpperCase()}`
        if (EXPRESSION_KEYWORDS.has(lower)) break
        if (QUERY_KEYWORDS.has(lower)) {
          if (!rules.queries) return `${rules.what} may not use ${token.text.toUpperCase()} (no subqueries)`
          break
        }
        if (rules.names !== undefined && !rules.names.has(lower)) return `${rules.what} may not use ${token.text}${describeNames(rules.names)}`
        break
      }
      default:
        break
    }
  }
  if (depth !== 0) return `${rules.what} leaves a parenthesis open`
  if (out) out.tokens = tokens
  return null
}

function describeNames(names: ReadonlySet<string>): string {
  return names.size === 0 ? " (no names: literals, operators and functions only)" : ` (names: ${[...names].join(", ")})`
}

/** The `{{COLUMN}}` placeholder of upstream CHECK constraints. */
export const COLUMN_PLACEHOLDER = "{{COLUMN}}"

export const quoteSqlIdentifier = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`
export const quoteSqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`
