/**
 * whereRgx conditions: JavaScript regular expressions tested against the rows the SQL part returns.
 * Where the pattern runs is the runtime's choice: in the plugin's own realm for inline and worker plugins
 * (a RegExp or a pattern string), inside the sandbox for sandboxed ones (a matcher the sandbox replay
 * makes, see REGEX_MATCHER), so a pattern that backtracks forever stays within the sandbox's time limit.
 */
import { tableError } from "./errors.ts"

/** Marks a matcher made by a runtime: `values -> verdicts`, the pattern run wherever that runtime runs it. */
export const REGEX_MATCHER: unique symbol = Symbol("dockstat.regexMatcher")

export interface RegexMatcher {
  readonly [REGEX_MATCHER]: (values: string[]) => boolean[]
  readonly source: string
  readonly flags: string
}

export interface RegexCondition {
  column: string
  /** One verdict per value; a null value (SQL NULL) never matches. */
  test(values: (string | null)[]): boolean[]
}

const isRegExp = (value: unknown): value is RegExp => Object.prototype.toString.call(value) === "[object RegExp]"

export function isRegexMatcher(value: unknown): value is RegexMatcher {
  return typeof value === "object" && value !== null && typeof (value as RegexMatcher)[REGEX_MATCHER] === "function"
}

/** A regex condition for `value` (RegExp, pattern string or runtime matcher), or null when it is none of them. */
export function regexCondition(table: string, column: string, value: unknown): RegexCondition | null {
  if (isRegexMatcher(value)) {
    const match = value[REGEX_MATCHER]
    return {
      column,
      test(values) {
        const present = values.filter((item): item is string => item !== null)
        const verdicts = present.length === 0 ? [] : match(present)
        let at = 0
        return values.map((item) => (item === null ? false : verdicts[at++] === true))
      },
    }
  }
  let pattern: RegExp
  if (isRegExp(value)) {
    // Without g and y: test() would carry lastIndex from one row to the next.
    pattern = new RegExp(value.source, value.flags.replace(/[gy]/g, ""))
  } else if (typeof value === "string") {
    try {
      pattern = new RegExp(value)
    } catch (error) {
      throw tableError(table, `whereRgx(): column "${column}": ${(error as Error).message}`)
    }
  } else return null
  return { column, test: (values) => values.map((item) => item !== null && pattern.test(item)) }
}

/** The text a pattern is tested against: strings as they are, Dates as ISO-8601, JSON values as JSON. */
export function regexText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === "string") return value
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (typeof value === "object" && !(value instanceof Uint8Array)) return JSON.stringify(value)
  return String(value)
}
