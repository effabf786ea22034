import type { ColumnDescriptor, DefaultValue, ForeignKeyReference, SqlExpression } from "./column.ts"
import type { HookName, SeedHookName, UpstreamHookName } from "./event-catalog.ts"
import type { PluginFrontendConfig } from "./frontend.ts"
import type { UpstreamEventContexts } from "./upstream-events.ts"

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

export type LogFn = (msgOrObject: unknown, ...args: unknown[]) => void

/** The logger a plugin gets (pino-compatible): `API > PluginHandler > <plugin name>`. */
export interface Logger {
  trace: LogFn
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  fatal: LogFn
}

export type Row = Record<string, unknown>
export type SortDirection = "asc" | "desc" | "ASC" | "DESC"

export interface InsertResult {
  insertId: number
  changes: number
}

export interface ChangeResult {
  changes: number
}

/** whereOp's operators; lower case works too. */
export type WhereOperator = "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=" | "LIKE" | "GLOB" | "IS" | "IS NOT"
/** A value SQLite can bind as a whereExpr parameter. */
export type Bindable = string | number | bigint | boolean | null | Uint8Array | Date

type Column<R> = keyof R & string
/** `where()`'s conditions: equality per column; null and undefined mean IS NULL. */
export type WhereConditions<R> = { [K in keyof R]?: R[K] | null | undefined }

/** The chaining half of DockStat's query builder: each call narrows the query and returns `Next`. */
export interface QueryChain<R extends Row, Next> {
  /** The columns to return (`["*"]` or nothing: all). */
  select(columns?: readonly ("*" | Column<R>)[]): Next
  /** Equality per column, ANDed; null and undefined mean IS NULL; replaces earlier conditions on those columns. */
  where(conditions: WhereConditions<R>): Next
  /** `column IN (...)`; an empty list throws. */
  whereIn(column: Column<R>, values: readonly unknown[]): Next
  whereNotIn(column: Column<R>, values: readonly unknown[]): Next
  /** A comparison; a null value makes `=`/`IS` IS NULL and `!=`/`<>`/`IS NOT` IS NOT NULL. Adds to earlier conditions. */
  whereOp(column: Column<R>, op: WhereOperator | Lowercase<WhereOperator>, value: unknown): Next
  whereBetween(column: Column<R>, min: unknown, max: unknown): Next
  whereNotBetween(column: Column<R>, min: unknown, max: unknown): Next
  whereNull(column: Column<R>): Next
  whereNotNull(column: Column<R>): Next
  /** JavaScript patterns tested on the rows the SQL part returns; order, limit and offset still hold. */
  whereRgx(conditions: { [K in keyof R]?: RegExp | string | null }): Next
  /** A raw SQL condition with `?` parameters. It may read only this table and call side-effect-free functions. */
  whereExpr(expression: string, params?: readonly Bindable[]): Next
  /** The same as whereExpr. */
  whereRaw(expression: string, params?: readonly Bindable[]): Next
  /** Adds an order term; the direction is "asc" unless given here or by a following asc()/desc(). */
  orderBy(column: Column<R>, direction?: SortDirection): Next
  asc(): Next
  desc(): Next
  limit(count: number): Next
  offset(count: number): Next
}

/** The executing calls of a query. Each one resets the query's state. */
export interface QueryTerminals<R extends Row> {
  all(): R[]
  /** The first row (a set limit still holds), or null. */
  get(): R | null
  /** The first row, or null. */
  first(): R | null
  /** How many rows match (limit and offset aside). */
  count(): number
  exists(): boolean
  /** `column` of the first row, or null. */
  value<K extends Column<R>>(column: K): R[K] | null
  /** `column` of every row. */
  pluck<K extends Column<R>>(column: K): R[K][]
  /** Needs a where. */
  update(values: Partial<R>): ChangeResult
  increment(column: Column<R>, amount?: number): ChangeResult
  decrement(column: Column<R>, amount?: number): ChangeResult
  /** Updates the matching rows and returns them as they were before. Needs a where. */
  updateAndGet(values: Partial<R>): R[]
  /** Needs a where. */
  delete(): ChangeResult
  /** Deletes the matching rows and returns them. Needs a where. */
  deleteAndGet(): R[]
  /** Sets `column` (default deleted_at) to `value` (default: now, unix seconds). Needs a where. */
  softDelete(column?: Column<R>, value?: unknown): ChangeResult
  /** Sets `column` (default deleted_at) to NULL. Needs a where. */
  restore(column?: Column<R>): ChangeResult
  /** Deletes the rows whose `column` is below `before`. */
  deleteOlderThan(column: Column<R>, before: number | string | Date): ChangeResult
}

/** A query in progress: chain, then run it with one of its executing calls. */
export interface Query<R extends Row = Row> extends QueryChain<R, Query<R>>, QueryTerminals<R> {}
/** The seed's names for a query in progress. */
export type SelectQuery<R extends Row = Row> = Query<R>
export type WhereQuery<R extends Row = Row> = Query<R>

/**
 * The synchronous table API a plugin gets for its own table: the seed's `QueryBuilder` and DockStat's
 * query builder. Every chain starts a fresh query, so nothing carries over between calls. Column names
 * are checked against the declared columns; values are always bound; JSON, boolean and date columns are
 * converted both ways. Update and delete need a where clause.
 */
export interface TableApi<R extends Row = Row> extends QueryChain<R, Query<R>>, QueryTerminals<R> {
  readonly name: string
  readonly columns: readonly string[]
  insert(rows: Partial<R> | readonly Partial<R>[]): InsertResult
  insertOrIgnore(rows: Partial<R> | readonly Partial<R>[]): InsertResult
  insertOrReplace(rows: Partial<R> | readonly Partial<R>[]): InsertResult
  insertOrAbort(rows: Partial<R> | readonly Partial<R>[]): InsertResult
  insertOrFail(rows: Partial<R> | readonly Partial<R>[]): InsertResult
  insertOrRollback(rows: Partial<R> | readonly Partial<R>[]): InsertResult
  /** Inserts one row and returns it as stored (generated id, defaults), or null when nothing was inserted. */
  insertAndGet(row: Partial<R>): R | null
  /** Inserts rows in one transaction. */
  insertBatch(rows: readonly Partial<R>[]): InsertResult
  /** INSERT OR REPLACE: a row with the same unique key is replaced. */
  upsert(row: Partial<R>): InsertResult
  /** Each `{ where, data }` in one transaction; every where must name a column. */
  updateBatch(updates: readonly { where: WhereConditions<R>; data: Partial<R> }[]): ChangeResult
  /** Deletes the rows each condition matches, in one transaction. */
  deleteBatch(conditions: readonly WhereConditions<R>[]): ChangeResult
  /** Deletes rows that repeat the values of `columns`, keeping the first of each. */
  deleteDuplicates(columns: readonly Column<R>[]): ChangeResult
  /** Deletes every row. */
  truncate(): ChangeResult
}

/** The seed's name for the table API. */
export type QueryBuilder<R extends Row = Row> = TableApi<R>

export interface PluginRef {
  id: number
  name: string
  version: string
}

export interface ActionContext<Body = unknown, Previous = unknown> {
  logger: Logger
  /** The plugin's own table, or null when it declares none. */
  table: TableApi | null
  /** Parsed by content type: JSON -> value, text -> string, form -> object; undefined for GET/HEAD. */
  body?: Body
  /** The result of the action before this one in the chain (undefined for the first). */
  previousAction?: Previous
  params: Record<string, string>
  query: Record<string, string | string[]>
  headers: Record<string, string>
  method: HttpMethod
  path: string
  plugin: PluginRef
  /** The host environment variables the plugin declared in `permissions.env` (nothing else). */
  env: Readonly<Record<string, string>>
}

export type Action = (context: ActionContext) => unknown

export interface ContainerInfo {
  id: string
  name?: string
  image?: string
  labels?: Record<string, string>
  state?: string
  [key: string]: unknown
}

export interface ImageInfo {
  id: string
  name?: string
  [key: string]: unknown
}

export interface EventContext {
  container?: ContainerInfo
  image?: ImageInfo
  logger: Logger
  table?: TableApi | null
  [key: string]: unknown
}

/**
 * The last argument of every hook: upstream hooks get `(ctx, server)`, seed hooks
 * `({ ...payload, ...server }, server)`. `env` is the plugin's declared `permissions.env` (sandbox and inline).
 */
export interface ServerContext {
  table: TableApi | null
  logger: Logger
  env?: Readonly<Record<string, string>>
}

export type EventHandler = (context: EventContext, server: ServerContext) => unknown

/**
 * The seed's `EVENTS`: every hook of the catalog, each optional. Seed-named hooks take the seed's
 * context; upstream-named ones the upstream context and `{ table, logger }` (optional here: the host
 * fills in the plugin's own when left out).
 */
export type EVENTS = { [K in SeedHookName]?: (context: EventContext, server?: ServerContext) => Promise<void> } & {
  [K in UpstreamHookName]?: (context: UpstreamEventContexts[K], server?: ServerContext) => Promise<void>
}
export type PluginEvents = { [K in SeedHookName]?: EventHandler } & {
  [K in UpstreamHookName]?: (context: UpstreamEventContexts[K], server: ServerContext) => unknown
}

/**
 * A column as plugins written for DockStat declare it by hand: a SQLite type name and constraints.
 * `{ type: "INTEGER", primaryKey: true, autoincrement: true }` is `column.id()`.
 */
export interface RawColumn {
  type: string
  primaryKey?: boolean
  autoincrement?: boolean
  notNull?: boolean
  unique?: boolean
  default?: DefaultValue | SqlExpression
  check?: string
  length?: number
  precision?: number
  scale?: number
  references?: ForeignKeyReference
  /** Accepted and ignored. */
  comment?: string
}

export interface TableConfig {
  name: string
  columns: Record<string, ColumnDescriptor | RawColumn>
  /** Text columns whose values are JSON (json() columns are JSON already). */
  jsonColumns?: string[]
  /** DockStat's parser: JSON and BOOLEAN list columns whose values are converted (MODULE is ignored). */
  parser?: { JSON?: string[]; BOOLEAN?: string[] }
}

export interface RouteConfig {
  /** One method or several; GET when left out. */
  method?: HttpMethod | HttpMethod[]
  actions: string[]
}

/** What a plugin module exports by default. */
export interface PluginDefinition {
  /** Set by the handler; ignored when given. */
  id?: number
  name?: string
  version?: string
  description?: string
  config?: {
    table?: TableConfig
    apiRoutes?: Record<string, RouteConfig>
    actions?: Record<string, Action>
    /** The plugin's UI as data (upstream's `PluginFrontendConfig`): stored and returned by the host, not rendered. */
    frontend?: PluginFrontendConfig
  }
  events?: PluginEvents
}

/** A route of a loaded plugin, as data: matched by the router, run by the plugin's runtime. */
export interface RouteDescriptor {
  /** The key as the plugin wrote it, e.g. `/items/:id`: the identity passed to `runRoute`. */
  key: string
  path: string
  methods: HttpMethod[]
  actions: string[]
}

/** A request reduced to what an action chain needs; plain data, so it can cross a worker boundary. */
export interface RouteInput {
  method: HttpMethod
  path: string
  params: Record<string, string>
  query: Record<string, string | string[]>
  headers: Record<string, string>
  body: unknown
}

/** A final action result that sets the HTTP status and headers. Build it with `reply()`. */
export interface ReplyValue {
  __dockstat_reply__: true
  status: number
  headers: Record<string, string>
  body: unknown
}

/** "sandbox" (default: no ambient authority), "worker" (trusted, own thread), "inline" (trusted, in the host). */
export type RuntimeKind = "sandbox" | "inline" | "worker"

/** Every runtime, in the order they are offered (the default first). */
export const RUNTIME_KINDS: readonly RuntimeKind[] = Object.freeze(["sandbox", "worker", "inline"])

export function isRuntimeKind(value: unknown): value is RuntimeKind {
  return (RUNTIME_KINDS as readonly unknown[]).includes(value)
}

/**
 * A running plugin, whatever runtime runs it. The router and the event dispatcher see only this.
 */
/**
 * Scratch space of one dispatch (one `emit()` to many plugins with one payload), filled by the runtimes:
 * what every plugin's hook context shares is worked out once. Valid for that dispatch only: the payload
 * may change before the next one.
 */
export interface HookShare {
  [key: string]: unknown
}

export interface PluginInstance {
  readonly id: number
  readonly name: string
  readonly version: string
  readonly runtime: RuntimeKind
  readonly routes: readonly RouteDescriptor[]
  readonly hooks: readonly HookName[]
  readonly table: TableApi | null
  readonly logger: Logger
  readonly loadedAt: Date
  /** The module's `config.frontend`, validated plain data (null when it has none). */
  readonly frontend?: PluginFrontendConfig | null
  runRoute(routeKey: string, input: RouteInput): Promise<unknown>
  /**
   * Optional: `runRoute` answering synchronously when the chain did (plain values all along). It may
   * throw, or return a Promise once an action returned one. The inline runtime has it.
   */
  runRouteNow?(routeKey: string, input: RouteInput): unknown
  runHook(hook: HookName, payload: Record<string, unknown>): Promise<void>
  /**
   * Optional: `runHook` answering synchronously when the hook did: undefined once it ran, a Promise when
   * it returned one. Throws what `runHook` rejects with. The inline runtime has it; `emit()` uses it.
   * `share` is one object per dispatch, the same for every plugin called with this payload: a runtime
   * may keep there what it derives from the payload once for all of them (see `HookShare`).
   */
  runHookNow?(hook: HookName, payload: Record<string, unknown>, share?: HookShare): Promise<void> | undefined
  dispose(): Promise<void>
}
