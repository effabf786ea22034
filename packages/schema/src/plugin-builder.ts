import type { PluginFrontendConfig } from "./frontend.ts"
import type { PluginDefinition } from "./types.ts"

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

/**
 * The fluent way to write a plugin (upstream DockStat's `@dockstat/plugin-builder`). Each call sets one
 * part; `build()` checks the metadata and returns the plugin object to export by default.
 */
export class PluginBuilder {
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

  /** The plugin's table: `{ name, columns, parser? }` (`parser.JSON` lists text columns holding JSON). */
  table(table: NonNullable<PluginDefinition["config"]>["table"]): this {
    return this.#part("table", table)
  }

  actions(actions: NonNullable<PluginDefinition["config"]>["actions"]): this {
    return this.#part("actions", actions)
  }

  apiRoutes(routes: NonNullable<PluginDefinition["config"]>["apiRoutes"]): this {
    return this.#part("apiRoutes", routes)
  }

  /** The plugin's UI as data: stored with the plugin and returned by the host's API. */
  frontend(frontend: PluginFrontendConfig): this {
    return this.#part("frontend", frontend)
  }

  events(events: PluginDefinition["events"]): this {
    this.#plugin.events = events
    return this
  }

  /** Kept on the plugin object as upstream keeps it; the host does not call it (use the onLoad hook). */
  init(init: () => void | Promise<void>): this {
    this.#plugin.init = init
    return this
  }

  /** Replaces the whole config (table, actions, apiRoutes, frontend) at once. */
  config(config: NonNullable<PluginDefinition["config"]>): this {
    this.#config = { ...config }
    return this
  }

  /**
   * The plugin object. Throws naming every metadata field still missing (name, description, version,
   * repository, manifest, author); `repoType` defaults to "github".
   */
  build(): BuiltPlugin {
    const missing = REQUIRED.filter((key) => this.#plugin[key] === undefined || this.#plugin[key] === "")
    if (missing.length > 0) {
      const calls = missing.map((key) => `.${key}()`).join(", ")
      throw new Error(`pluginBuilder().build(): the plugin's ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing (set with ${calls})`)
    }
    const plugin: Record<string, unknown> = { ...this.#plugin, repoType: this.#plugin.repoType ?? "github" }
    if (this.#config !== undefined) plugin.config = { ...this.#config }
    return plugin as unknown as BuiltPlugin
  }
}

/**
 * Starts a plugin builder.
 *
 * @example
 * export default pluginBuilder()
 *   .name("notes").version("1.0.0").description("Notes").author({ name: "Ada" })
 *   .repository("https://github.com/ada/notes").manifest("https://github.com/ada/notes/manifest.json")
 *   .table({ name: "notes", columns: { id: column.id(), text: column.text({ notNull: true }) } })
 *   .actions({ list: ({ table }) => table.all() })
 *   .apiRoutes({ "/notes": { method: "GET", actions: ["list"] } })
 *   .build()
 */
export function pluginBuilder(): PluginBuilder {
  return new PluginBuilder()
}
