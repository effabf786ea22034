/** Error codes shared by every package; each maps to one HTTP status. */
export const ERROR_STATUS = {
  INVALID_INPUT: 400,
  BAD_REQUEST: 400,
  /** A table call named a column the table does not have. */
  UNKNOWN_COLUMN: 400,
  /** A table call gave a column a value it cannot hold (a string for an integer column, ...). */
  INVALID_VALUE: 400,
  /** A row broke a NOT NULL, CHECK or FOREIGN KEY constraint. */
  CONSTRAINT_VIOLATION: 400,
  PLUGIN_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** A row broke a UNIQUE (or PRIMARY KEY) constraint: it exists already. */
  UNIQUE_VIOLATION: 409,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_PLUGIN: 422,
  ACTION_FAILED: 500,
  HOOK_FAILED: 500,
  TABLE_ERROR: 500,
  LOAD_FAILED: 500,
  INTERNAL: 500,
  UPSTREAM_FAILED: 502,
  PLUGIN_NOT_LOADED: 503,
  /** Another connection held the database's write lock for too long; the answer carries `Retry-After`. */
  DATABASE_BUSY: 503,
  ACTION_TIMEOUT: 504,
  HOOK_TIMEOUT: 504,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export interface PluginErrorDetails {
  pluginId?: number
  plugin?: string
  action?: string
  hook?: string
  cause?: unknown
  /** Extra response headers, e.g. `Allow` on a 405. */
  headers?: Record<string, string>
  /** Extra, serializable data for the response body (e.g. the routes a plugin has). */
  data?: Record<string, unknown>
}

const BRAND = "__dockstat_plugin_error__"

/**
 * The one error type of the plugin host: a code, its HTTP status, the plugin and action or hook involved,
 * and the cause. Recognise it with `isPluginError`, not `instanceof`: errors rebuilt from a worker thread
 * or made by another copy of this module are still recognised.
 */
export class PluginError extends Error {
  readonly [BRAND] = true
  readonly code: ErrorCode
  readonly status: number
  readonly pluginId: number | undefined
  readonly plugin: string | undefined
  readonly action: string | undefined
  readonly hook: string | undefined
  readonly headers: Record<string, string> | undefined
  readonly data: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details: PluginErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = "PluginError"
    this.code = code
    this.status = ERROR_STATUS[code]
    this.pluginId = details.pluginId
    this.plugin = details.plugin
    this.action = details.action
    this.hook = details.hook
    this.headers = details.headers
    this.data = details.data
  }

  /** The JSON body an HTTP response carries: code, message, plugin, action; never a stack. */
  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { error: this.code, message: this.message }
    if (this.pluginId !== undefined) body.pluginId = this.pluginId
    if (this.plugin !== undefined) body.plugin = this.plugin
    if (this.action !== undefined) body.action = this.action
    if (this.hook !== undefined) body.hook = this.hook
    if (this.data) Object.assign(body, this.data)
    return body
  }
}

export function isPluginError(value: unknown): value is PluginError {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[BRAND] === true
}

/** The message of anything thrown, for result objects (`{ success: false, message }`). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message
  }
  return String(error)
}
