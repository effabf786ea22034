import { sql } from "drizzle-orm"
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core"

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
  /** sha256 (hex) of `plugin`, written at save time and checked again before every load. */
  digest: text("digest").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
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

/** Names a plugin table may never take: host tables and SQLite's / drizzle's own. */
export const RESERVED_TABLE_NAMES: ReadonlySet<string> = new Set(["plugins", "plugin_tables", "__drizzle_migrations"])

export type PluginRow = typeof plugins.$inferSelect
export type NewPluginRow = typeof plugins.$inferInsert
export type PluginTableRow = typeof pluginTables.$inferSelect
