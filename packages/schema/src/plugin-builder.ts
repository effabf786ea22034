import type { PluginFrontendConfig } from "./frontend.ts"
import type {
  ChainNames,
  ParamsOf,
  PreviousOf,
  RouteShape,
  TableOf,
  TypedActionContext,
  TypedEvents,
  TypedPlugin,
  TypedTable,
  TypedTableConfig,
} from "./typed-plugin.ts"
import type { PluginDefinition, Row } from "./types.ts"

/** Who wrote a plugin (upstream's `PluginAuthor`). */
export interface PluginAuthor {
  name: string
  website?: string
  email?: string
  license?: string
}

export type RepoType = "github" | "gitlab" | "local" | "default"

/** Everything `build()` needs besides the plugin's parts (upstream's `PluginMeta`). */
export interface PluginMeta {
  name: string
  description: string
  version: string
  repository: string
  repoType?: RepoType
  manifest: string
  author: PluginAuthor
  tags?: string[]
}

/** What `build()` returns: a plugin module's default export with the metadata `build()` insists on. */
export type BuiltPlugin<D extends PluginDefinition = PluginDefinition> = D & Omit<PluginMeta, "repoType"> & { repoType: RepoType }

/** Marks a builder, so a module that exports one without calling `build()` is told so at load. */
export const PLUGIN_BUILDER_BRAND = "__dockstat_plugin_builder__"

const REQUIRED = ["name", "description", "version", "repository", "manifest", "author"] as const

/** Routes not declared yet: an action cannot know its params or the action before it. */
declare const ROUTES_UNKNOWN: unique symbol
type RoutesUnknown = { [ROUTES_UNKNOWN]: true }

type RoutesOrNone<R> = R extends RoutesUnknown ? {} : R
/** The table actions and hooks see: typed by the explicit row type when one was given, else by the columns. */
type BuilderTable<Explicit extends Row, T> = [Explicit] extends [never]
  ? TableOf<T>
  : T extends undefined
    ? TypedTable<Explicit, Partial<Explicit>> | null
    : TypedTable<Explicit, Partial<Explicit>>
/** Action names the routes call that no `.actions()` call defined. */
type MissingActions<R, Names> = RoutesOrNone<R> extends infer Known extends Record<string, RouteShape> ? Exclude<ChainNames<Known>, Names> : never
type ActionContextFor<Explicit extends Row, T, R, Known, A> = R extends RoutesUnknown
  ? TypedActionContext<BuilderTable<Explicit, T>, Record<string, string | undefined>, any>
  : R extends Record<string, RouteShape>
    ? TypedActionContext<BuilderTable<Explicit, T>, ParamsOf<R, A>, PreviousOf<R, Known, A>>
    : never

/**
 * The fluent way to write a plugin (upstream DockStat's `@dockstat/plugin-builder`). Each call sets one
 * part; `build()` checks the metadata and returns the plugin object to export by default.
 *
 * Typed as `definePlugin` is, from the plugin itself: `.table()` types `table` by its columns (or
 * `pluginBuilder<Row>()` by a row type written by hand, as upstream plugins do), `.apiRoutes()` types
 * `params` of the actions added after it, and each `.actions()` call (they add up) types
 * `previousAction` by the results of actions added by earlier calls. `build()` is a type error while a
 * route names an action that was not added.
 */
export class PluginBuilder<Explicit extends Row = never, T = undefined, R = RoutesUnknown, Known = {}, Names extends string = never> {
  readonly [PLUGIN_BUILDER_BRAND] = true
  #plugin: Record<string, unknown> = {}
  #config: Record<string, unknown> | undefined

  /** Sets every metadata field at once. */
  meta(meta: PluginMeta): this {
    Object.assign(this.#plugin, meta)
    return this
  }

  name(name: string): this {
    this.#plugin.name = name
    return this
  }

  description(description: string): this {
    this.#plugin.description = description
    return this
  }

  version(version: string): this {
    this.#plugin.version = version
    return this
  }

  /** The plugin's repository; `repoType` defaults to "github". */
  repository(repository: string, repoType: RepoType = "github"): this {
    this.#plugin.repository = repository
    this.#plugin.repoType = repoType
    return this
  }

  manifest(manifest: string): this {
    this.#plugin.manifest = manifest
    return this
  }

  author(author: PluginAuthor): this {
    this.#plugin.author = author
    return this
  }

  tags(tags: string[]): this {
    this.#plugin.tags = tags
    return this
  }

  #part(key: string, value: unknown): this {
    this.#config ??= {}
    this.#config[key] = value
    return this
  }

  /** The plugin's table: `{ name, columns, jsonColumns?, parser? }`. */
  table<const NT extends TypedTableConfig>(table: NT): PluginBuilder<Explicit, NT, R, Known, Names> {
    return this.#part("table", table) as unknown as PluginBuilder<Explicit, NT, R, Known, Names>
  }

  /** Routes: path (optionally after a method) -> `{ method?, actions }`. Declare them before `.actions()` to type params and previousAction. */
  apiRoutes<const NR extends Record<string, RouteShape>>(routes: NR): PluginBuilder<Explicit, T, NR, Known, Names> {
    return this.#part("apiRoutes", routes) as unknown as PluginBuilder<Explicit, T, NR, Known, Names>
  }

  /** Adds actions (several calls add up; a name given again replaces the earlier one). */
  actions<Results>(actions: {
    [A in keyof Results]: (context: ActionContextFor<Explicit, T, R, Known, A>) => Results[A]
  }): PluginBuilder<Explicit, T, R, Omit<Known, keyof Results> & { [A in keyof Results]: Awaited<Results[A]> }, Names | (keyof Results & string)> {
    this.#config ??= {}
    this.#config.actions = { ...(this.#config.actions as Record<string, unknown> | undefined), ...actions }
    return this as unknown as PluginBuilder<Explicit, T, R, Omit<Known, keyof Results> & { [A in keyof Results]: Awaited<Results[A]> }, Names | (keyof Results & string)>
  }

  /** The plugin's UI as data: stored with the plugin and returned by the host's API. */
  frontend(frontend: PluginFrontendConfig): this {
    return this.#part("frontend", frontend)
  }

  /** Hooks by name, from the event catalog (seed and upstream names). */
  events(events: TypedEvents<BuilderTable<Explicit, T>>): this {
    this.#plugin.events = events
    return this
  }

  /** Kept on the plugin object as upstream keeps it; the host does not call it (use the onLoad hook). */
  init(init: () => void | Promise<void>): this {
    this.#plugin.init = init
    return this
  }

  /** Replaces the whole config (table, actions, apiRoutes, frontend) at once, typed as `definePlugin` types it. */
  config<const NT extends TypedTableConfig | undefined = undefined, const NR extends Record<string, RouteShape> = {}, A extends string = never>(
    config: NonNullable<TypedPlugin<NT, NR, A>["config"]>,
  ): PluginBuilder<Explicit, NT, NR, {}, A> {
    this.#config = { ...config }
    return this as unknown as PluginBuilder<Explicit, NT, NR, {}, A>
  }

  /**
   * The plugin object. Throws naming every metadata field still missing (name, description, version,
   * repository, manifest, author); `repoType` defaults to "github".
   */
  build(
    ...missing: [MissingActions<R, Names>] extends [never] ? [] : [routes_name_actions_not_added: `add action "${MissingActions<R, Names> & string}" with .actions()`]
  ): BuiltPlugin {
    void missing
    const absent = REQUIRED.filter((key) => this.#plugin[key] === undefined || this.#plugin[key] === "")
    if (absent.length > 0) {
      const calls = absent.map((key) => `.${key}()`).join(", ")
      throw new Error(`pluginBuilder().build(): the plugin's ${absent.join(", ")} ${absent.length === 1 ? "is" : "are"} missing (set with ${calls})`)
    }
    const plugin: Record<string, unknown> = { ...this.#plugin, repoType: this.#plugin.repoType ?? "github" }
    if (this.#config !== undefined) plugin.config = { ...this.#config }
    return plugin as unknown as BuiltPlugin
  }
}

/**
 * Starts a plugin builder. `pluginBuilder<Row>()` types `table` by a row type written by hand, as
 * upstream plugins do (a second type argument, upstream's `typeof actions`, is accepted and not
 * needed); without it, the table is typed by its columns.
 *
 * @example
 * export default pluginBuilder()
 *   .name("notes").version("1.0.0").description("Notes").author({ name: "Ada" })
 *   .repository("https://github.com/ada/notes").manifest("https://github.com/ada/notes/manifest.json")
 *   .table({ name: "notes", columns: { id: column.id(), text: column.text({ notNull: true }) } })
 *   .apiRoutes({ "/notes/:id": { method: "GET", actions: ["byId"] } })
 *   .actions({ byId: ({ table, params }) => table.where({ id: Number(params.id) }).get() })
 *   .build()
 */
export function pluginBuilder<Explicit extends Row = never, _Actions = unknown>(): PluginBuilder<Explicit> {
  return new PluginBuilder<Explicit>()
}
