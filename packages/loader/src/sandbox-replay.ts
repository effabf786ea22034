import { PluginError } from "@dockstat/plugin-schema"

import type { TableApi } from "@dockstat/plugin-schema"
import { REGEX_MATCHER } from "@dockstat/plugin-store"
import type { RegexMatcher } from "@dockstat/plugin-store"

import { RegExpSpec } from "./sandbox-codec.ts"

import { CHAIN_METHODS, QUERY_TERMINALS, TABLE_TERMINALS } from "./sandbox-table.ts"

const MAX_OPS = 64
const CHAINING: ReadonlySet<string> = new Set(CHAIN_METHODS)
const QUERY_CALLS: ReadonlySet<string> = new Set(QUERY_TERMINALS)
const TABLE_CALLS: ReadonlySet<string> = new Set(TABLE_TERMINALS)
const MAX_PATTERN = 4096
const FLAGS = /^[dgimsuvy]*$/

export interface ReplayOptions {
  /**
   * Runs a whereRgx pattern where the plugin's code runs (inside its sandbox): `values -> verdicts`.
   * Without it, whereRgx is refused: a pattern from a sandboxed plugin never runs on the host.
   */
  regex?: (source: string, flags: string) => (values: string[]) => boolean[]
}

/** whereRgx's `{ column: RegExp | pattern }` with each pattern turned into a matcher that runs in the sandbox. */
function regexArgs(args: unknown[], options: ReplayOptions): unknown[] {
  const [conditions, ...rest] = args
  if (typeof conditions !== "object" || conditions === null || Array.isArray(conditions)) return args
  const out: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(conditions)) {
    if (!(value instanceof RegExpSpec) && typeof value !== "string") {
      out[column] = value
      continue
    }
    const source = value instanceof RegExpSpec ? value.source : value
    const flags = value instanceof RegExpSpec ? value.flags : ""
    if (source.length > MAX_PATTERN || !FLAGS.test(flags)) throw refuse(`whereRgx pattern for "${column}" is longer than ${MAX_PATTERN} characters or has unknown flags`)
    if (options.regex === undefined) throw refuse("whereRgx is not available here")
    const matcher: RegexMatcher = { [REGEX_MATCHER]: options.regex(source, flags), source, flags }
    out[column] = matcher
  }
  return [out, ...rest]
}
function refuse(message: string): PluginError {
  return new PluginError("INVALID_INPUT", `table call refused: ${message}`)
}

/**
 * Replays a chain the sandbox recorded (`[["where", [{ id: 1 }]], ["all", []]]`) on the host's table
 * API. Only listed methods, in a valid order, as own functions of the object at hand: the guest cannot
 * reach anything else of the host through it.
 */
export function replayTableOps(table: TableApi, ops: unknown, options: ReplayOptions = {}): unknown {
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_OPS) throw refuse(`expected 1 to ${MAX_OPS} operations`)
  let target: unknown = table
  ops.forEach((op, index) => {
    if (!Array.isArray(op) || op.length !== 2 || typeof op[0] !== "string" || !Array.isArray(op[1])) throw refuse(`operation ${index} is malformed`)
    const [method, args] = op as [string, unknown[]]
    const last = index === ops.length - 1
    const allowed = index === 0 ? (last ? TABLE_CALLS : CHAINING) : last ? QUERY_CALLS : CHAINING
    if (!allowed.has(method)) throw refuse(`"${method}" cannot be called ${index === 0 ? "on the table" : `after "${(ops[index - 1] as [string])[0]}"`}`)
    const fn = (target as Record<string, unknown>)[method]
    if (typeof fn !== "function") throw refuse(`"${method}" is not available`)
    target = (fn as (...items: unknown[]) => unknown).apply(target, method === "whereRgx" ? regexArgs(args, options) : args)
  })
  return target
}
