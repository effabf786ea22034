/**
 * The table API as the sandbox sees it: a guest-side builder records the chain as data, and one host
 * call replays it on the host's table API. These lists say which names may be replayed where; anything
 * else is refused on the host, whatever the guest sends.
 */
/** Methods that continue a chain (on the table or on a query). */
export const CHAIN_METHODS: readonly string[] = [
  "select", "where", "whereIn", "whereNotIn", "whereOp", "whereBetween", "whereNotBetween", "whereNull", "whereNotNull",
  "whereRgx", "whereExpr", "whereRaw", "orderBy", "asc", "desc", "limit", "offset",
]
/** Methods that end a chain started with a chain method. */
export const QUERY_TERMINALS: readonly string[] = [
  "all", "get", "first", "count", "exists", "value", "pluck", "update", "increment", "decrement", "updateAndGet",
  "delete", "deleteAndGet", "softDelete", "restore", "deleteOlderThan",
]
/** Methods called on the table itself that run at once (the writes that need a where refuse there, clearly). */
export const TABLE_TERMINALS: readonly string[] = [
  ...QUERY_TERMINALS, "insert", "insertOrIgnore", "insertOrReplace", "insertOrAbort", "insertOrFail", "insertOrRollback",
  "insertAndGet", "insertBatch", "upsert", "updateBatch", "deleteBatch", "deleteDuplicates", "truncate",
]

export type TableOp = [method: string, args: unknown[]]

/** A failed table call as the host sends it back into the guest: the PluginError's code, message, headers and data. */
export interface TableCallError {
  code: string
  message: string
  headers?: Record<string, string>
  data?: Record<string, unknown>
}
