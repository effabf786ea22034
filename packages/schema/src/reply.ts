import type { ReplyValue } from "./types.ts"

/**
 * Sets the HTTP status and headers of a route's answer. Return it from the last action.
 *
 * @example
 * create: ({ table, body }) => reply({ id: table.insert(body).insertId }, { status: 201 })
 */
export function reply(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): ReplyValue {
  return { __dockstat_reply__: true, status: init.status ?? 200, headers: init.headers ?? {}, body }
}

export function isReply(value: unknown): value is ReplyValue {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>).__dockstat_reply__ === true
}
