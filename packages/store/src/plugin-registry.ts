import { Column, asc, eq, getTableColumns, sql } from "drizzle-orm"
import { normalizePermissions, plugins } from "@dockstat/plugin-schema"

import type { PluginFrontendConfig, PluginInput, PluginRow, RuntimeKind } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"
import type { PluginSigner } from "./plugin-digest.ts"
import { recordChange } from "./registry-changes.ts"

/** A plugin row without its code: what `getAll()` and `getStatus()` show. */
export type PluginMetadata = Omit<PluginRow, "plugin">

const { plugin: _code, ...metadataColumns } = getTableColumns(plugins)

/** A select's columns in order, and whether drizzle decodes each one (JSON, boolean) or not (text, integer). */
function fieldsOf(columns: Record<string, Column>) {
  return Object.entries(columns).map(([key, column]) => ({ key, column, decodes: column.mapFromDriverValue !== Column.prototype.mapFromDriverValue }))
}

/**
 * Raw rows (values in select order) as drizzle would map them: null stays null, every other value goes
 * through its column's decoder. Drizzle's own mapper does the same with nested-path bookkeeping and
 * entity checks per value, a quarter of `list()` with 1000 plugins (which `getStatus()` calls).
 */
function rowMapper<T>(columns: Record<string, Column>): (values: readonly unknown[]) => T {
  const fields = fieldsOf(columns)
  return (values) => {
    const row: Record<string, unknown> = {}
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index] as (typeof fields)[number]
      const value = values[index]
      row[field.key] = value === null || !field.decodes ? value : field.column.mapFromDriverValue(value)
    }
    return row as T
  }
}

const toMetadata = rowMapper<PluginMetadata>(metadataColumns)
const toPluginRow = rowMapper<PluginRow>(getTableColumns(plugins))

/**
 * The columns a plugin's input fills, its permissions normalized and its keyed digest included: what
 * insert and update write. `runtime` is the admin's choice (never the input's: a manifest must not pick
 * a trusted runtime); null is the handler's default.
 */
export function toRow(input: PluginInput, signer: PluginSigner, runtime: RuntimeKind | null = null) {
  const permissions = normalizePermissions(input.permissions)
  return {
    name: input.name,
    version: input.version,
    description: input.description ?? null,
    repoType: input.repoType,
    repository: input.repository,
    manifest: input.manifest,
    author: input.author,
    tags: input.tags ?? null,
    plugin: input.plugin,
    permissions,
    runtime,
    digest: signer.sign({ name: input.name, plugin: input.plugin, permissions, runtime }),
  }
}

/** What the host decides about a plugin, apart from what its input says. */
export interface HostChoices {
  /** The runtime an admin chose; null is the handler's default. On update, left out keeps the stored one. */
  runtime?: RuntimeKind | null
  /** Insert only: whether hosts load it at start (default true). */
  enabled?: boolean
}

/**
 * The `plugins` table: every write goes through here, so the digest stored with the code and permissions
 * is always the one the host key gives them, and every install, update, enable, disable and delete is
 * recorded in the change feed (`registry_changes`) in the same transaction.
 */
export interface PluginRegistry {
  insert(input: PluginInput, choices?: HostChoices): number
  /** Replaces a plugin's metadata and code, keeping its id (and its enabled flag). Returns false when the id is unknown. */
  update(id: number, input: PluginInput, choices?: HostChoices): boolean
  /** Records whether the host loads the plugin at start. Returns false when the id is unknown. */
  setEnabled(id: number, enabled: boolean): boolean
  /** Records the frontend the plugin's code declares (null: none). Returns false when the id is unknown. */
  setFrontend(id: number, frontend: PluginFrontendConfig | null): boolean
  remove(id: number): boolean
  get(id: number): PluginRow | undefined
  /** The rows of the plugins `ids` names that exist, code included, by id: one query for a batch of loads. */
  rows(ids: readonly number[]): PluginRow[]
  /** Every plugin's row, code included, by id: what a start loads from, in one query. */
  allRows(): PluginRow[]
  /** The stored digest of plugin `id`: whether its row changed since it was read. */
  digestOf(id: number): string | undefined
  /** The stored digests of many plugins in one query (missing ids are absent). */
  digestsOf(ids: readonly number[]): Map<number, string>
  findByName(name: string): PluginMetadata | undefined
  list(): PluginMetadata[]
  count(): number
  repositories(): string[]
}

export function createPluginRegistry(db: DB): PluginRegistry {
  const orm = db.drizzle
  // Prepared once: drizzle builds a query in ~0.4 ms, a prepared one runs in a tenth of that.
  const byId = orm.select().from(plugins).where(eq(plugins.id, sql.placeholder("id"))).prepare()
  const byName = orm.select(metadataColumns).from(plugins).where(eq(plugins.name, sql.placeholder("name"))).prepare()
  const all = orm.select(metadataColumns).from(plugins).orderBy(asc(plugins.id)).prepare()
  const rowsByIds = orm
    .select()
    .from(plugins)
    .where(sql`${plugins.id} IN (SELECT value FROM json_each(${sql.placeholder("ids")}))`)
    .orderBy(asc(plugins.id))
    .prepare()
  const allRows = orm.select().from(plugins).orderBy(asc(plugins.id)).prepare()
  // Raw and single-row: drizzle's prepared values() goes through libsql's all(), which sets up a row
  // iterator per call; this runs once per plugin loaded.
  const digestById = db.client.prepare("SELECT digest FROM plugins WHERE id = ?").raw(true)
  const digestsByIds = db.client.prepare("SELECT id, digest FROM plugins WHERE id IN (SELECT value FROM json_each(?))").raw(true)
  const repositories = orm.selectDistinct({ repository: plugins.repository }).from(plugins).orderBy(asc(plugins.repository)).prepare()
  return {
    insert(input, choices = {}) {
      return db.transaction(() => {
        const values = { ...toRow(input, db.signer, choices.runtime ?? null), ...(choices.enabled === undefined ? {} : { enabled: choices.enabled }) }
        const { id } = orm.insert(plugins).values(values).returning({ id: plugins.id }).get()
        recordChange(db, id, "install", input.version)
        return id
      }, `Install of plugin "${input.name}"`)
    },
    update(id, input, choices = {}) {
      return db.transaction(() => {
        const runtime = choices.runtime !== undefined ? choices.runtime : (byId.get({ id })?.runtime ?? null)
        const result = orm
          .update(plugins)
          .set({ ...toRow(input, db.signer, runtime), updatedAt: new Date().toISOString() })
          .where(eq(plugins.id, id))
          .run()
        if (Number(result.changes) === 0) return false
        recordChange(db, id, "update", input.version)
        return true
      }, `Update of plugin "${input.name}"`)
    },
    setEnabled(id, enabled) {
      return db.transaction(() => {
        const row = orm.update(plugins).set({ enabled, updatedAt: new Date().toISOString() }).where(eq(plugins.id, id)).returning({ version: plugins.version }).get()
        if (row === undefined) return false
        recordChange(db, id, enabled ? "enable" : "disable", row.version)
        return true
      }, `${enabled ? "Enabling" : "Disabling"} plugin ${id}`)
    },
    setFrontend(id, frontend) {
      // Derived from the stored code, not a change of the plugin: updatedAt stays.
      return Number(orm.update(plugins).set({ frontend }).where(eq(plugins.id, id)).run().changes) > 0
    },
    remove(id) {
      return db.transaction(() => {
        if (Number(orm.delete(plugins).where(eq(plugins.id, id)).run().changes) === 0) return false
        recordChange(db, id, "delete", null)
        return true
      }, `Delete of plugin ${id}`)
    },
    get(id) {
      return byId.get({ id })
    },
    rows(ids) {
      return (rowsByIds.values({ ids: JSON.stringify(ids) }) as unknown[][]).map(toPluginRow)
    },
    allRows() {
      return (allRows.values() as unknown[][]).map(toPluginRow)
    },
    digestOf(id) {
      const row = digestById.get([id]) as unknown[] | undefined
      return row === undefined ? undefined : (row[0] as string)
    },
    digestsOf(ids) {
      const found = new Map<number, string>()
      for (const row of digestsByIds.all([JSON.stringify(ids)]) as [number, string][]) found.set(Number(row[0]), row[1])
      return found
    },
    findByName(name) {
      return byName.get({ name })
    },
    list() {
      return (all.values() as unknown[][]).map(toMetadata)
    },
    count() {
      return orm.select({ n: sql<number>`count(*)` }).from(plugins).get()?.n ?? 0
    },
    repositories() {
      return repositories.all().map((row) => row.repository)
    },
  }
}
