/**
 * The types `definePlugin` and `pluginBuilder` infer from a plugin itself, with no type written by
 * hand: each table's row from its column descriptors, route params from route paths, action names from
 * the routes, hook contexts from the event catalog. Types only; nothing here exists at run time.
 */
import type { DockerHookName, LifecycleHookName, SeedHookName, UpstreamHookName } from "./event-catalog.ts"
import type { PluginFrontendConfig } from "./frontend.ts"
import type { ActionContext, ContainerInfo, HttpMethod, ImageInfo, InsertResult, Logger, PluginRef, Row, TableApi } from "./types.ts"
import type { UpstreamEventContexts } from "./upstream-events.ts"

type Simplify<T> = { [K in keyof T]: T[K] } & {}

// ---------------------------------------------------------------------------------------------------
// Rows from columns

/** Upstream's raw column objects (`{ type: "INTEGER", primaryKey: true }`) by their SQLite type name. */
type RawValue<T extends string> =
  Uppercase<T> extends "INTEGER" | "INT" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "BIGINT" | "REAL" | "DOUBLE" | "FLOAT" | "NUMERIC" | "DECIMAL" | "TIMESTAMP"
    ? number
    : Uppercase<T> extends "BOOLEAN"
      ? boolean
      : Uppercase<T> extends "DATE"
        ? Date
        : Uppercase<T> extends "BLOB"
          ? Uint8Array
          : Uppercase<T> extends "JSON"
            ? unknown
            : string

/** The value a column holds (reads and writes), from its descriptor: `kind` and, for `json<T>()`, `T`. */
export type ColumnValue<C> = C extends { kind: "id" | "integer" | "real" | "numeric" }
  ? number
  : C extends { kind: "text" | "varchar" | "char" | "uuid" | "module" | "datetime" | "time" }
    ? string
    : C extends { kind: "enum"; values: readonly (infer V)[] }
      ? V
      : C extends { kind: "boolean" }
        ? boolean
        : C extends { kind: "date" }
          ? Date
          : C extends { kind: "timestamp"; asText: true }
            ? string
            : C extends { kind: "timestamp" }
              ? number
              : C extends { kind: "blob" }
                ? Uint8Array
                : C extends { kind: "json"; __type?: infer T }
                  ? T
                  : C extends { type: infer T extends string }
                    ? RawValue<T>
                    : unknown

/** Never null when read: an id, a primary key, or declared `notNull: true` (enum columns are, unless told otherwise). */
type NeverNull<C> = C extends { kind: "id" } | { primaryKey: true } | { notNull: true } ? true : false

/** May be left out of an insert: nullable, an id, or with a default (literal, SQL or now). */
type OptionalOnInsert<C> = NeverNull<C> extends false
  ? true
  : C extends { kind: "id" } | { autoincrement: true } | { default: unknown } | { defaultSql: string } | { defaultNow: true }
    ? true
    : false

type Columns = Record<string, unknown>
/** Columns whose text holds JSON: `jsonColumns` and upstream's `parser.JSON`. */
type JsonNames<T> = (T extends { jsonColumns: readonly (infer N)[] } ? N : never) | (T extends { parser: { JSON: readonly (infer N)[] } } ? N : never)
/** Columns upstream's `parser.BOOLEAN` converts to booleans. */
type BooleanNames<T> = T extends { parser: { BOOLEAN: readonly (infer N)[] } } ? N : never

type ValueIn<C, K, Json, Bool> = K extends Json ? unknown : K extends Bool ? boolean : ColumnValue<C>

/** A row as read from a table declared with `columns` (`Json`: names holding JSON text, `Bool`: names parser.BOOLEAN converts). */
export type RowOf<C extends Columns, Json = never, Bool = never> = Simplify<{
  -readonly [K in keyof C]: NeverNull<C[K]> extends true ? ValueIn<C[K], K, Json, Bool> : ValueIn<C[K], K, Json, Bool> | null
}>

type RequiredKeys<C extends Columns> = { [K in keyof C]: OptionalOnInsert<C[K]> extends true ? never : K }[keyof C]

/** A row as `insert()` takes it: columns with a default, an id or nullable may be left out. */
export type InsertRowOf<C extends Columns, Json = never, Bool = never> = Simplify<
  { -readonly [K in RequiredKeys<C>]: RowOf<C, Json, Bool>[K] } & { -readonly [K in Exclude<keyof C, RequiredKeys<C>>]?: RowOf<C, Json, Bool>[K] }
>

/**
 * The table API typed by the table's own columns: names are checked, and values by their column (on
 * insert, where and update); rows come back typed.
 */
export type TypedTable<R extends Row, I extends Row> = Omit<TableApi<R>, InsertMethod> & {
  /** A row or rows keyed by column name; a column without a default that is not null must be given. */
  insert(rows: I | readonly I[]): InsertResult
  insertOrIgnore(rows: I | readonly I[]): InsertResult
  insertOrReplace(rows: I | readonly I[]): InsertResult
  insertOrAbort(rows: I | readonly I[]): InsertResult
  insertOrFail(rows: I | readonly I[]): InsertResult
  insertOrRollback(rows: I | readonly I[]): InsertResult
  /** The stored row (generated id and defaults included), or null when nothing was inserted. */
  insertAndGet(row: I): R | null
  insertBatch(rows: readonly I[]): InsertResult
  upsert(row: I): InsertResult
}
type InsertMethod = "insert" | "insertOrIgnore" | "insertOrReplace" | "insertOrAbort" | "insertOrFail" | "insertOrRollback" | "insertAndGet" | "insertBatch" | "upsert"

/** The table a plugin declares (`{ name, columns, jsonColumns?, parser? }`), as typed inference sees it. */
export interface TypedTableConfig<C extends Columns = Columns> {
  name: string
  columns: C
  jsonColumns?: readonly (keyof C & string)[]
  /** Upstream DockStat's sqlite-wrapper parser. */
  parser?: { JSON?: readonly (keyof C & string)[]; BOOLEAN?: readonly (keyof C & string)[]; DATE?: readonly (keyof C & string)[]; MODULE?: Partial<Record<keyof C, unknown>> }
}

/** Lists of column names in a table declaration must name its columns. */
export type TableChecks<T> = T extends { columns: infer C }
  ? { jsonColumns?: readonly (keyof C & string)[]; parser?: { JSON?: readonly (keyof C & string)[]; BOOLEAN?: readonly (keyof C & string)[]; DATE?: readonly (keyof C & string)[] } }
  : unknown

/** `table` in actions and hooks: the typed table when one is declared, else null. */
export type TableOf<T> = T extends { columns: infer C extends Columns }
  ? TypedTable<RowOf<C, JsonNames<T>, BooleanNames<T>>, InsertRowOf<C, JsonNames<T>, BooleanNames<T>>>
  : null

// ---------------------------------------------------------------------------------------------------
// Routes: paths, params, chains

/** A route key's path: `"POST /items/:id"` -> `"/items/:id"` (methods in any case). */
export type PathOf<Key> = Key extends `${infer Method} ${infer Path}` ? (Uppercase<Method> extends HttpMethod ? Path : Key) : Key

/** The `:name` params of a path: `"/hosts/:hostId/containers/:id"` -> `"hostId" | "id"`. */
export type ParamNames<Path> = Path extends `${string}:${infer Rest}` ? (Rest extends `${infer Name}/${infer Tail}` ? Name | ParamNames<Tail> : Rest) : never

/** `params` of a route: each of its `:name` params a string. */
export type RouteParams<Key> = { [N in ParamNames<PathOf<Key>>]: string }

/** What a route declares: its method(s) and the names of its actions, in order. */
export interface RouteShape {
  method?: HttpMethod | Lowercase<HttpMethod> | readonly (HttpMethod | Lowercase<HttpMethod>)[]
  actions: readonly string[]
}
type Routes = Record<string, RouteShape>

/** The routes whose chain names action `A`. */
type RoutesOf<R extends Routes, A> = { [K in keyof R]: A extends R[K]["actions"][number] ? K : never }[keyof R]

type AllKeys<U> = U extends unknown ? keyof U : never
/** Params of every route the action serves: a param of each route is a string, one of only some may be undefined. */
type MergeParams<U> = [U] extends [never] ? {} : ParamsObject<keyof U, AllKeys<U>>
// Keys passed in, not mapped over `keyof U`: a homomorphic mapped type would distribute over the union.
type ParamsObject<Every extends PropertyKey, Any extends PropertyKey> = Simplify<{ [N in Every]: string } & { [N in Exclude<Any, Every>]?: string }>
export type ParamsOf<R extends Routes, A> = MergeParams<RoutesOf<R, A> extends infer K ? (K extends unknown ? RouteParams<K> : never) : never>

/** The names of every action the routes call. */
export type ChainNames<R extends Routes> = R[keyof R]["actions"][number]

type Before<Chain extends readonly unknown[], A> = Chain extends readonly [infer First, infer Next, ...infer Rest] ? (Next extends A ? First : Before<[Next, ...Rest], A>) : never
type IsFirst<Chain extends readonly unknown[], A> = Chain extends readonly [infer First, ...unknown[]] ? (First extends A ? true : false) : false

/** The action before `A` in each route that calls it (never for first place). */
type PreviousNames<R extends Routes, A> = { [K in keyof R]: Before<R[K]["actions"], A> }[keyof R]
type FirstSomewhere<R extends Routes, A> = true extends { [K in keyof R]: IsFirst<R[K]["actions"], A> }[keyof R] ? true : false

/**
 * `previousAction` of action `A`: the awaited result of the action before it in each route that calls
 * it (undefined where it comes first), when TypeScript knows that result (`Known`, name -> result);
 * `any` when it cannot (see `KnownResults`).
 */
export type PreviousOf<R extends Routes, Known, A> = [PreviousNames<R, A>] extends [never]
  ? undefined
  : [Exclude<PreviousNames<R, A>, keyof Known>] extends [never]
    ? (PreviousNames<R, A> extends infer N ? (N extends keyof Known ? Known[N] : never) : never) | (FirstSomewhere<R, A> extends true ? undefined : never)
    : any

/** Name -> awaited result of actions whose types are known. */
export type KnownResults<A> = { [K in keyof A]: A[K] extends (...args: never[]) => infer Result ? Awaited<Result> : never }

/**
 * The context an action gets, typed by the plugin: `table` by its columns (null without a table),
 * `params` by the paths of the routes that call it, `previousAction` by the action before it.
 * `body` is whatever the client sent (`any`: check it before use).
 */
export type TypedActionContext<Table, Params, Previous> = Simplify<
  Omit<ActionContext, "table" | "params" | "previousAction" | "body"> & {
    table: Table
    params: Params
    previousAction: Previous
    // biome-ignore lint: what a client sends is not typed by the plugin
    body: any
  }
>

/** Actions as `definePlugin` and `.actions()` take them: each name's context from the routes that call it. */
export type TypedActions<Table, R extends Routes, Known, Names extends PropertyKey> = {
  [A in Names]: (context: TypedActionContext<Table, ParamsOf<R, A>, PreviousOf<R, Known, A>>) => unknown
}

/** A route whose actions must be among `Names`. */
export interface TypedRoute<Names extends string> {
  method?: HttpMethod | Lowercase<HttpMethod> | readonly (HttpMethod | Lowercase<HttpMethod>)[]
  actions: readonly Names[]
}

// ---------------------------------------------------------------------------------------------------
// Hooks

/** What the Docker source and the lifecycle put in a seed-named hook's payload. */
interface SeedPayloads {
  container: { container: ContainerInfo; event: Record<string, unknown>; health?: string; oldName?: string; signal?: string }
  image: { image: ImageInfo; event: Record<string, unknown> }
  volume: { volume: { name: string; [key: string]: unknown }; event: Record<string, unknown> }
  network: { network: { id: string; [key: string]: unknown }; container?: { id: string }; event: Record<string, unknown> }
}
interface LifecyclePayloads {
  onBoot: {}
  onLoad: {}
  onUnload: {}
  onInstall: { plugin: PluginRef }
  onUpdate: { from: string; to: string }
  onUninstall: {}
}

type SubjectOf<H> = H extends `onContainer${string}` ? "container" : H extends `onImage${string}` ? "image" : H extends `onVolume${string}` ? "volume" : H extends `onNetwork${string}` ? "network" : never

/** A type's named properties, without its index signature. */
type KnownFields<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] }
type SubjectPayload<S extends keyof SeedPayloads> = S extends keyof SeedPayloads[S] ? SeedPayloads[S] & KnownFields<SeedPayloads[S][S]> : never

/** The payload of a seed-named hook, with its subject's fields on top (a hook may read `container.id` or `id`). */
export type SeedHookPayload<H extends SeedHookName> = H extends LifecycleHookName
  ? LifecyclePayloads[H]
  : H extends DockerHookName
    ? SubjectPayload<SubjectOf<H>>
    : never

/** The last argument of every hook: the plugin's own table and logger. */
export interface TypedServer<Table> {
  table: Table
  logger: Logger
  env?: Readonly<Record<string, string>>
}

/** Hooks by name, from the catalog: seed names get `{ ...payload, table, logger }`, upstream names `(ctx, { table, logger })`. */
export type TypedEvents<Table> = {
  [H in SeedHookName]?: (context: Simplify<SeedHookPayload<H> & TypedServer<Table>>, server: TypedServer<Table>) => unknown
} & {
  [H in UpstreamHookName]?: (context: UpstreamEventContexts[H], server: TypedServer<Table>) => unknown
}

// ---------------------------------------------------------------------------------------------------
// The plugin

/** The metadata upstream's plugins carry beside their parts (all optional here). */
export interface TypedPluginMeta {
  /** Set by the handler; ignored when given. */
  id?: number
  name?: string
  version?: string
  description?: string
  repository?: string
  repoType?: "github" | "gitlab" | "local" | "default"
  manifest?: string
  author?: { name: string; website?: string; email?: string; license?: string }
  tags?: string[]
  init?: () => void | Promise<void>
}

/** A plugin as `definePlugin` checks it; `T` its table, `R` its routes, `A` its action names. */
export type TypedPlugin<T, R extends Routes, A extends PropertyKey> = TypedPluginMeta & {
  config?: {
    table?: T & TableChecks<T>
    // NoInfer: action names come from `actions`; a route naming another is the error.
    apiRoutes?: R & { [K in keyof R]: TypedRoute<NoInfer<A> & string> }
    actions?: TypedActions<TableOf<T>, R, {}, A>
    frontend?: PluginFrontendConfig
  }
  events?: TypedEvents<TableOf<T>>
}
