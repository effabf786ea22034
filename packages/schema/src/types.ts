import type { ColumnDescriptor } from "./column.ts"
import type { HookName } from "./event-catalog.ts"

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

/** A select in progress: chain, then run with `all()`, `get()` / `first()` or `count()`. */
export interface SelectQuery<R extends Row = Row> {
  where(conditions: Partial<R>): SelectQuery<R>
  orderBy(column: keyof R & string, direction?: SortDirection): SelectQuery<R>
  limit(count: number): SelectQuery<R>
  offset(count: number): SelectQuery<R>
  all(): R[]
  get(): R | undefined
  first(): R | undefined
  count(): number
}

/** `table.where(...)`: select from it, or update / delete the rows it matches. */
export interface WhereQuery<R extends Row = Row> extends SelectQuery<R> {
  where(conditions: Partial<R>): WhereQuery<R>
  update(values: Partial<R>): ChangeResult
  delete(): ChangeResult
}

/**
 * The synchronous table API a plugin gets for its own table (the seed's `QueryBuilder`). Column names
 * are checked against the declared columns; values are always bound; JSON, boolean and date columns are
 * converted both ways. Update and delete need a where clause.
 */
export interface TableApi<R extends Row = Row> {
  readonly name: string
  readonly columns: readonly string[]
  select(columns?: readonly ("*" | (keyof R & string))[]): SelectQuery<R>
  where(conditions: Partial<R>): WhereQuery<R>
  insert(rows: Partial<R> | readonly Partial<R>[]): InsertResult
  all(): R[]
  count(): number
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

export type EventHandler = (context: EventContext) => unknown

/** The seed's `EVENTS`: every hook of the catalog, each optional. */
export type EVENTS = { [K in HookName]?: (context: EventContext) => Promise<void> }
export type PluginEvents = { [K in HookName]?: EventHandler }

export interface TableConfig {
  name: string
  columns: Record<string, ColumnDescriptor>
  /** Text columns whose values are JSON (json() columns are JSON already). */
  jsonColumns?: string[]
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

/**
 * A running plugin, whatever runtime runs it. The router and the event dispatcher see only this.
 */
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
   */
  runHookNow?(hook: HookName, payload: Record<string, unknown>): Promise<void> | undefined
  dispose(): Promise<void>
}
