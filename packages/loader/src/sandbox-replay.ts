import { PluginError } from "@dockstat/plugin-schema"

import type { TableApi } from "@dockstat/plugin-schema"

import { CHAIN_METHODS, QUERY_TERMINALS, TABLE_TERMINALS } from "./sandbox-table.ts"

const MAX_OPS = 64

function refuse(message: string): PluginError {
  return new PluginError("INVALID_INPUT", `table call refused: ${message}`)
}

/**
 * Replays a chain the sandbox recorded (`[["where", [{ id: 1 }]], ["all", []]]`) on the host's table
 * API. Only listed methods, in a valid order, as own functions of the object at hand: the guest cannot
 * reach anything else of the host through it.
 */
export function replayTableOps(table: TableApi, ops: unknown): unknown {
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_OPS) throw refuse(`expected 1 to ${MAX_OPS} operations`)
  let target: unknown = table
  ops.forEach((op, index) => {
    if (!Array.isArray(op) || op.length !== 2 || typeof op[0] !== "string" || !Array.isArray(op[1])) throw refuse(`operation ${index} is malformed`)
    const [method, args] = op as [string, unknown[]]
    const last = index === ops.length - 1
    const allowed = index === 0 ? (last ? TABLE_TERMINALS : CHAIN_METHODS) : last ? QUERY_TERMINALS : CHAIN_METHODS
    if (!allowed.includes(method)) throw refuse(`"${method}" cannot be called ${index === 0 ? "on the table" : `after "${(ops[index - 1] as [string])[0]}"`}`)
    const fn = (target as Record<string, unknown>)[method]
    if (typeof fn !== "function") throw refuse(`"${method}" is not available`)
    target = (fn as (...items: unknown[]) => unknown).apply(target, args)
  })
  return target
}
