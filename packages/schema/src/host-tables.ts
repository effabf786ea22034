import { sql } from "drizzle-orm"
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core"

import type { PluginFrontendConfig } from "./frontend.ts"
import type { PluginPermissions } from "./permissions.ts"

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`

/** Installed plugins: the seed's `DBPluginSchema` plus what the host needs to trust and run the code. */
export const plugins = sqliteTable("plugins", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  version: text("version").notNull(),
  description: text("description"),
  repoType: text("repo_type", { enum: ["github", "gitlab", "local", "default"] }).notNull(),
  repository: text("repository").notNull(),
  manifest: text("manifest").notNull(),
  author: text("author", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  tags: text("tags", { mode: "json" }).$type<string[]>(),
  plugin: text("plugin").notNull(),
  /** What the plugin declared it may reach, normalized; rows from before this column have none. */
  permissions: text("permissions", { mode: "json" }).$type<PluginPermissions>().notNull().default({ network: [], env: [] }),
  /**
   * `hmac-sha256:<hex>` of the name, permissions and code under the host's key (kept outside this file),
   * written at save time and checked again before every load. Installs from before keyed digests hold
   * the plain sha256 (hex) of the code until re-signed.
   */
  digest: text("digest").notNull(),
  /** Whether the host loads it at start (`loadAllPlugins`); activate / deactivate set it. */
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  /**
   * The runtime an admin chose for this plugin at install (null: the handler's default). Never taken
   * from a manifest: only the host may trust a plugin with more than the sandbox. Covered by the digest
   * when set.
   */
  runtime: text("runtime", { enum: ["sandbox", "worker", "inline"] }),
  /**
   * The module's `config.frontend` (upstream's UI description, plain JSON), as its code declares it:
   * written at install and update, and again by a load that finds it changed. Derived from the signed
   * code, so it is metadata like `description`, not covered by the digest. Null when it has none (or
   * was saved with `savePlugin` and not loaded yet).
   */
  frontend: text("frontend", { mode: "json" }).$type<PluginFrontendConfig>(),
  createdAt: text("created_at").notNull().default(now),
  updatedAt: text("updated_at").notNull().default(now),
})

/**
 * Tables created for plugins from their column descriptors. The snapshot is drizzle-kit's JSON for the
 * table as last migrated; `descriptorHash` lets a warm start skip the diff (and drizzle-kit) entirely.
 * Rows are keyed by the physical table name and owned by a plugin name, so a table survives a delete
 * that asked to keep it and is re-adopted by the same plugin only.
 */
export const pluginTables = sqliteTable("plugin_tables", {
  tableName: text("table_name").primaryKey(),
  pluginName: text("plugin_name").notNull(),
  descriptorHash: text("descriptor_hash").notNull(),
  descriptors: text("descriptors", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  snapshot: text("snapshot", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: text("updated_at").notNull().default(now),
})

/** The host's own settings, one value per key (e.g. the demo's "examples installed" marker). */
export const hostSettings = sqliteTable("host_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull().default(now),
})

/** What changed in the registry: the kinds of `registry_changes` rows. */
export const REGISTRY_CHANGE_KINDS = ["install", "update", "enable", "disable", "delete"] as const
export type RegistryChangeKind = (typeof REGISTRY_CHANGE_KINDS)[number]

/**
 * The registry's change feed: one row per install, update, enable, disable and delete, written in the
 * same transaction as the change. The id is the registry's version (AUTOINCREMENT: never reused, so
 * it only grows, even after old rows are pruned). `origin` names the connection that made the change,
 * so a process skips its own; `version` is the plugin's version after the change (null on delete).
 */
export const registryChanges = sqliteTable("registry_changes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  pluginId: integer("plugin_id").notNull(),
  kind: text("kind", { enum: REGISTRY_CHANGE_KINDS }).notNull(),
  version: text("version"),
  origin: text("origin").notNull(),
  createdAt: text("created_at").notNull().default(now),
})

/**
 * Leases: one process at a time holds a name (e.g. `docker:<host>`, the right to read that engine's
 * events) until `expires_at` (ms since the epoch), renewing it while it lives. Another takes it over
 * once it has expired.
 */
export const hostLeases = sqliteTable("host_leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  expiresAt: integer("expires_at").notNull(),
  acquiredAt: integer("acquired_at").notNull(),
})

/**
 * Where an event source stands, kept in the database so the process that takes a lease over resumes
 * there: `position` is the newest delivered event's time (nanoseconds since the epoch, as digits) and
 * `keys` identifies the events delivered at exactly that time (the engine's `since` is inclusive).
 */
export const eventCursors = sqliteTable("event_cursors", {
  source: text("source").primaryKey(),
  position: text("position").notNull(),
  keys: text("keys", { mode: "json" }).$type<string[]>().notNull(),
  updatedAt: text("updated_at").notNull().default(now),
})

/** Names a plugin table may never take: host tables and SQLite's / drizzle's own. */
export const RESERVED_TABLE_NAMES: ReadonlySet<string> = new Set([
  "plugins",
  "plugin_tables",
  "host_settings",
  "registry_changes",
  "host_leases",
  "event_cursors",
  "__drizzle_migrations",
])

export type PluginRow = typeof plugins.$inferSelect
export type NewPluginRow = typeof plugins.$inferInsert
export type PluginTableRow = typeof pluginTables.$inferSelect
export type RegistryChangeRow = typeof registryChanges.$inferSelect
