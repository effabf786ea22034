import { createHash } from "node:crypto"
import { asc, eq, getTableColumns, sql } from "drizzle-orm"
import { plugins } from "@dockstat/plugin-schema"

import type { PluginInput, PluginRow } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"

/** A plugin row without its code: what `getAll()` and `getStatus()` show. */
export type PluginMetadata = Omit<PluginRow, "plugin">

export function codeDigest(code: string): string {
  return createHash("sha256").update(code).digest("hex")
}

const { plugin: _code, ...metadataColumns } = getTableColumns(plugins)

/** The columns a plugin's input fills, the code's digest included: what insert and update write. */
export function toRow(input: PluginInput) {
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
    digest: codeDigest(input.plugin),
  }
}

/**
 * The `plugins` table: every write goes through here, so the digest of the code is always the one
 * stored with it.
 */
export interface PluginRegistry {
  insert(input: PluginInput): number
  /** Replaces a plugin's metadata and code, keeping its id. Returns false when the id is unknown. */
  update(id: number, input: PluginInput): boolean
  remove(id: number): boolean
  get(id: number): PluginRow | undefined
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
  return {
    insert(input) {
      const row = orm.insert(plugins).values(toRow(input)).returning({ id: plugins.id }).get()
      return row.id
    },
    update(id, input) {
      const result = orm
        .update(plugins)
        .set({ ...toRow(input), updatedAt: new Date().toISOString() })
        .where(eq(plugins.id, id))
        .run()
      return Number(result.changes) > 0
    },
    remove(id) {
      return Number(orm.delete(plugins).where(eq(plugins.id, id)).run().changes) > 0
    },
    get(id) {
      return byId.get({ id })
    },
    findByName(name) {
      return byName.get({ name })
    },
    list() {
      return all.all()
    },
    count() {
      return orm.select({ n: sql<number>`count(*)` }).from(plugins).get()?.n ?? 0
    },
    repositories() {
      return orm
        .selectDistinct({ repository: plugins.repository })
        .from(plugins)
        .orderBy(asc(plugins.repository))
        .all()
        .map((row) => row.repository)
    },
  }
}
