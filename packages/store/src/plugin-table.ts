import * as crypto from "node:crypto"
import { eq, sql } from "drizzle-orm"
import { PluginError, formatZodError, isPluginError, normalizeColumn, pluginTables, quoteSqlIdentifier, tableConfigSchema } from "@dockstat/plugin-schema"

import type { ColumnDescriptor, TableConfig } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"
import { toDrizzleTable } from "./drizzle-table.ts"
import { retryWhileBusy } from "./busy-retry.ts"
import { isBusyError } from "./errors.ts"

export type TableAction = "unchanged" | "created" | "migrated"

export interface EnsureTableResult {
  tableName: string
  action: TableAction
  /** The SQL drizzle-kit generated and that was applied (empty when unchanged). */
  statements: string[]
}

type DrizzleKitApi = typeof import("drizzle-kit/api")
let drizzleKit: Promise<DrizzleKitApi> | undefined
let drizzleKitLoads = 0

/** drizzle-kit costs ~170 ms and ~40 MB to import: only a table whose descriptors changed pays for it. */
function loadDrizzleKit(): Promise<DrizzleKitApi> {
  drizzleKit ??= import("drizzle-kit/api").then((api) => {
    drizzleKitLoads += 1
    return api
  })
  return drizzleKit
}

/** How many times this process imported drizzle-kit (0 on a warm start with unchanged tables). */
export function drizzleKitLoadCount(): number {
  return drizzleKitLoads
}

/** A canonical array index ("0" .. "4294967294"): an object lists such keys first, in numeric order. */
const isArrayIndex = (key: string) => /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295

/**
 * Sorts `keys` in place in the order `Array.prototype.sort()` gives strings (UTF-16 code units). Objects
 * here have a handful of keys: an insertion sort needs no work array (a start sorts ~5000 of them).
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort()
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index] as string
    let at = index - 1
    for (; at >= 0 && (keys[at] as string) > key; at--) keys[at + 1] = keys[at] as string
    keys[at + 1] = key
  }
  return keys
}

/**
 * JSON with object keys sorted, written directly: exactly what `JSON.stringify` gives for a copy of the
 * value whose objects were rebuilt with sorted keys (how the stored hashes were made), without the copy.
 * As in that copy, an object's array-index keys come first, in numeric order.
 */
export function stableJson(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    let out = "["
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ","
      out += (index in value ? stableJson(value[index]) : undefined) ?? "null"
    }
    return `${out}]`
  }
  if (value && typeof value === "object") {
    const sorted = sortKeys(Object.keys(value))
    // Array-index keys start with a digit; most objects have none, and skip the test.
    let digits = false
    for (let index = 0; index < sorted.length && !digits; index++) {
      const first = (sorted[index] as string).charCodeAt(0)
      digits = first >= 48 && first <= 57
    }
    const indexes = digits ? sorted.filter(isArrayIndex) : []
    const keys = indexes.length === 0 ? sorted : [...indexes.sort((a, b) => Number(a) - Number(b)), ...sorted.filter((key) => !isArrayIndex(key))]
    let out = "{"
    for (const key of keys) {
      const text = stableJson((value as Record<string, unknown>)[key])
      if (text === undefined) continue
      if (out.length > 1) out += ","
      out += `${JSON.stringify(key)}:${text}`
    }
    return `${out}}`
  }
  return JSON.stringify(value) as string | undefined
}

/**
 * One-shot `crypto.hash` where the runtime has it (Node 20.12+, Bun): half the cost of a Hash object, and
 * a start hashes 1000 tables' descriptors. Read off the namespace: older Node 20 has no such export.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function" ? (text) => crypto.hash("sha256", text, "hex") : (text) => crypto.createHash("sha256").update(text).digest("hex")

export function descriptorHash(config: TableConfig): string {
  return sha256Hex(stableJson(config) as string)
}

/** Kinds whose stored values read back the same under either kind: moving between them loses nothing. */
const FAMILY: Partial<Record<string, string>> = {
  varchar: "text",
  char: "text",
  uuid: "text",
  enum: "text",
  module: "text",
  datetime: "text",
  time: "text",
  // Unix seconds (timestamp, createdAt, updatedAt) are integers.
  timestamp: "integer",
}

/** What a column's stored values mean: its kind's family, JSON and boolean as listed in jsonColumns and parser. */
function storedKind(config: TableConfig, column: string): string {
  const descriptor = normalizeColumn(config.columns[column]) as { descriptor: ColumnDescriptor }
  const kind = descriptor.descriptor.kind === "timestamp" && descriptor.descriptor.asText ? "datetime" : descriptor.descriptor.kind
  if (kind !== "json" && (config.jsonColumns?.includes(column) || config.parser?.JSON?.includes(column))) return "json"
  if (config.parser?.BOOLEAN?.includes(column)) return "boolean"
  return FAMILY[kind] ?? kind
}

/** Columns a new version would drop or retype: such changes lose data and are refused. */
export function destructiveChanges(previous: TableConfig, next: TableConfig): string[] {
  const problems: string[] = []
  for (const column of Object.keys(previous.columns)) {
    if (!Object.hasOwn(next.columns, column)) problems.push(`drops column "${column}"`)
    else if (storedKind(previous, column) !== storedKind(next, column)) {
      problems.push(`changes column "${column}" from ${storedKind(previous, column)} to ${storedKind(next, column)}`)
    }
  }
  return problems
}

function keepColumns(config: TableConfig, keep: (name: string) => boolean): TableConfig {
  return { ...config, columns: Object.fromEntries(Object.entries(config.columns).filter(([name]) => keep(name))) }
}

/**
 * The table before, plus the `added` columns of `config` as SQLite can add them in place: no SQL default
 * (nor NOT NULL resting on one), no CHECK, no enum values, no reference.
 */
function plainAdditions(before: TableConfig, config: TableConfig, added: readonly string[]): TableConfig {
  const columns = { ...before.columns }
  for (const name of added) {
    const descriptor = { ...(normalizeColumn(config.columns[name]) as { descriptor: ColumnDescriptor }).descriptor }
    if (descriptor.defaultSql !== undefined || descriptor.defaultNow) {
      delete descriptor.defaultSql
      delete descriptor.defaultNow
      delete descriptor.notNull
    }
    delete descriptor.check
    delete descriptor.references
    if (descriptor.kind === "enum") {
      descriptor.kind = "text"
      delete descriptor.values
    }
    columns[name] = descriptor
  }
  return { ...config, columns }
}

/** Rewrites drizzle-kit's `INSERT INTO __new_<table>(...) SELECT ... FROM <table>` to copy the columns in `old` only. */
function copyOnlyOldColumns(statements: string[], tableName: string, old: ReadonlySet<string>): void {
  const pattern = new RegExp(`^INSERT INTO \`__new_${escapeRegExp(tableName)}\`\\((.*)\\) SELECT (.*) FROM \`${escapeRegExp(tableName)}\`;?\\s*$`, "s")
  for (const [index, statement] of statements.entries()) {
    const match = pattern.exec(statement)
    if (!match) continue
    const names = [...(match[1] as string).matchAll(/"((?:[^"]|"")*)"/g)].map((found) => (found[1] as string).replaceAll('""', '"'))
    const kept = names.filter((name) => old.has(name))
    if (kept.length === names.length) continue
    const list = kept.map(quoteSqlIdentifier).join(", ")
    statements[index] = kept.length === 0 ? "SELECT 1;" : `INSERT INTO \`__new_${tableName}\`(${list}) SELECT ${list} FROM \`${tableName}\`;`
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * A rebuild creates `__new_<table>`, copies the rows, drops the old table and renames the new one. A
 * self-reference written as REFERENCES `<table>` would point the new table at the old one, and dropping
 * the old one would cascade its ON DELETE into the copied rows. Pointing it at `__new_<table>` keeps the
 * copy apart; the rename then points it back at the table's own name.
 */
function selfReferencesToNewTable(statements: string[], tableName: string): void {
  const created = `CREATE TABLE \`__new_${tableName}\``
  for (const [index, statement] of statements.entries()) {
    if (statement.includes(created)) statements[index] = statement.replaceAll(`REFERENCES \`${tableName}\`(`, `REFERENCES \`__new_${tableName}\`(`)
  }
}

/** The plan of an unchanged table applies nothing (shared: a start plans 1000 of them). */
function nothingToApply(): void {}

/** The lookups every load makes, prepared once per database: a warm start of 1000 plugins runs them 1000 times. */
function queriesOf(db: DB) {
  let queries = preparedQueries.get(db)
  if (!queries) {
    queries = prepareQueries(db)
    preparedQueries.set(db, queries)
  }
  return queries
}
const preparedQueries = new WeakMap<DB, ReturnType<typeof prepareQueries>>()
function prepareQueries(db: DB) {
  return {
    byTable: db.drizzle.select().from(pluginTables).where(eq(pluginTables.tableName, sql.placeholder("tableName"))).prepare(),
    byPlugin: db.drizzle.select({ tableName: pluginTables.tableName }).from(pluginTables).where(eq(pluginTables.pluginName, sql.placeholder("pluginName"))).prepare(),
    // Raw rows: drizzle maps each of 1000 rows through its column decoders, for three text columns.
    hashes: db.client.prepare("SELECT table_name, plugin_name, descriptor_hash FROM plugin_tables").raw(true),
    tables: db.client.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck(true),
  }
}

/** What `planPluginTable`'s warm path asks of one table, answered from a `TableIndex`. */
export interface IndexedTable {
  pluginName: string
  descriptorHash: string
  /** Whether a table of that name exists (SQLite names are case-insensitive). */
  exists: boolean
}

/**
 * Every recorded plugin table's owner and descriptor hash, and which tables exist, read in two queries:
 * loading many plugins at once asks this instead of two queries per plugin. A snapshot: it only ever
 * confirms the warm path (unchanged descriptors of an existing table); anything else is looked up afresh.
 */
export interface TableIndex {
  lookup(tableName: string): IndexedTable | undefined
}

/** SQLite folds ASCII letters only when it compares names. */
const foldName = (name: string) => name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())

export function readTableIndex(db: DB): TableIndex {
  const queries = queriesOf(db)
  const existing = new Set((queries.tables.all() as string[]).map(foldName))
  const recorded = new Map<string, [string, string, string]>()
  for (const row of queries.hashes.all() as [string, string, string][]) recorded.set(row[0], row)
  return {
    lookup(tableName) {
      const row = recorded.get(tableName)
      return row === undefined ? undefined : { pluginName: row[1], descriptorHash: row[2], exists: existing.has(foldName(tableName)) }
    },
  }
}

export function tableOwner(db: DB, tableName: string): string | undefined {
  return queriesOf(db).byTable.get({ tableName })?.pluginName
}

function assertOwnership(db: DB, pluginName: string, tableName: string, owner = tableOwner(db, tableName)) {
  if (owner !== undefined && owner !== pluginName) {
    throw new PluginError("CONFLICT", `Table "${tableName}" belongs to plugin "${owner}"; plugin "${pluginName}" must choose another table name`, { plugin: pluginName })
  }
  if (owner === undefined && db.tableExists(tableName)) {
    throw new PluginError("CONFLICT", `A table named "${tableName}" already exists and is not a plugin table; plugin "${pluginName}" must choose another table name`, { plugin: pluginName })
  }
}

export interface TablePlanOptions {
  /** Allow changes that lose data: dropping or retyping columns, or moving to another table name. */
  allowDataLoss?: boolean
  /** A snapshot read for a batch of loads (`readTableIndex`): confirms the warm path without a query. */
  index?: TableIndex
}

/** What making a plugin's table match its descriptors takes; nothing is written until `apply()`. */
export interface TablePlan {
  tableName: string
  action: TableAction
  /** The SQL drizzle-kit generated (empty when unchanged). */
  statements: string[]
  /** Tables of this plugin that the new descriptors no longer name (kept, never dropped here). */
  abandoned: string[]
  /** The changes that lose data, which `allowDataLoss` let through (`drops column "secret"`...); empty when rows are kept. */
  dataLoss: string[]
  /**
   * Applies the plan. Call it inside a transaction, with whatever else must change with it (the plugin's
   * row on install and update); it checks ownership again, since another plugin may have claimed the name.
   */
  apply(): void
}

/**
 * Plans how to make the plugin's table match its descriptors, through drizzle-kit's diff of the stored
 * snapshot: CREATE TABLE for a new table, ALTER TABLE for added columns, rows kept. Unchanged descriptors
 * cost one lookup and no drizzle-kit. Refuses a table owned by another plugin, a host table, and (unless
 * `allowDataLoss`) changes that lose data, naming the columns.
 */
export async function planPluginTable(db: DB, pluginName: string, input: TableConfig, options: TablePlanOptions = {}): Promise<TablePlan> {
  // The warm path first: descriptors identical to those stored (and validated) last time cost one
  // lookup and one existence check: no validation, no drizzle-kit.
  if (typeof input?.name === "string") {
    const indexed = options.index?.lookup(input.name)
    const warm =
      indexed !== undefined
        ? indexed.exists && indexed.pluginName === pluginName && indexed.descriptorHash === descriptorHash(input)
        : isWarm(db, pluginName, input)
    if (warm) return { tableName: input.name, action: "unchanged", statements: [], abandoned: [], dataLoss: [], apply: nothingToApply }
  }
  const parsed = tableConfigSchema.safeParse(input)
  if (!parsed.success) throw new PluginError("INVALID_PLUGIN", formatZodError(parsed.error, `Plugin "${pluginName}" config.table`), { plugin: pluginName })
  const config = parsed.data as TableConfig
  const tableName = config.name
  // The hash of the table as the plugin wrote it (raw column objects included), so the warm path above
  // recognizes it next time without validating it again.
  const hash = descriptorHash(input)

  const stored = queriesOf(db).byTable.get({ tableName })
  assertOwnership(db, pluginName, tableName, stored?.pluginName)
  const exists = stored !== undefined && db.tableExists(tableName)
  if (exists && stored.descriptorHash === hash) return { tableName, action: "unchanged", statements: [], abandoned: [], dataLoss: [], apply: nothingToApply }
  const abandoned = pluginTableNames(db, pluginName).filter((name) => name !== tableName && db.tableExists(name))

  const previousConfig = exists ? (stored.descriptors as unknown as TableConfig) : undefined
  const problems = previousConfig ? destructiveChanges(previousConfig, config) : []
  if (!exists && abandoned.length > 0) problems.push(`moves from table ${abandoned.map((name) => `"${name}"`).join(", ")} to "${tableName}", leaving its rows behind`)
  if (problems.length > 0 && !options.allowDataLoss) {
    throw new PluginError(
      "INVALID_PLUGIN",
      `Table "${tableName}" of plugin "${pluginName}": the new descriptors would lose data (${problems.join("; ")}); refused (opt in with allowDataLoss)`,
      { plugin: pluginName },
    )
  }

  const kit = await loadDrizzleKit()
  let previous = exists ? (stored.snapshot as never) : await kit.generateSQLiteDrizzleJson({})
  const steps: TableConfig[] = []
  const before = new Set(previousConfig ? Object.keys(previousConfig.columns) : [])
  if (previousConfig) {
    // Drops and adds in one diff make drizzle-kit ask (interactively) whether a column was renamed:
    // drop and retype first, then add.
    const kept = keepColumns(config, (name) => before.has(name))
    if (problems.length > 0) steps.push(kept)
    // SQLite adds a column in place only with a constant default: add new columns plainly first, then
    // let drizzle-kit rebuild the table with their SQL defaults, CHECKs and references.
    const added = Object.keys(config.columns).filter((name) => !before.has(name))
    if (added.length > 0) steps.push(plainAdditions(problems.length > 0 ? kept : previousConfig, config, added))
  }
  steps.push(config)
  const statements: string[] = []
  let next: unknown = previous
  for (const step of steps) {
    next = await kit.generateSQLiteDrizzleJson({ table: toDrizzleTable(tableName, step) })
    statements.push(...(await kit.generateSQLiteMigration(previous, next as never)))
    previous = next as never
  }
  // A rebuild copies the old rows column by column; a column this migration adds has no old values: it
  // gets its default instead (drizzle-kit would copy it from the old table, which does not have it).
  if (previousConfig) copyOnlyOldColumns(statements, tableName, before)
  const hasForeignKeys = [config, previousConfig].some((table) => table !== undefined && Object.values(table.columns).some((column) => "references" in column))
  if (hasForeignKeys) selfReferencesToNewTable(statements, tableName)

  const plannedAgainst = exists ? stored.descriptorHash : undefined
  const apply = () => {
    // Under the write lock now: another process may have migrated this table since the plan was made
    // (two processes loading a new plugin at once both plan its CREATE TABLE).
    const current = queriesOf(db).byTable.get({ tableName })
    const currentHash = current !== undefined && db.tableExists(tableName) ? current.descriptorHash : undefined
    if (currentHash === hash && current?.pluginName === pluginName) return
    if (currentHash !== plannedAgainst) {
      throw new PluginError("CONFLICT", `Table "${tableName}" of plugin "${pluginName}" was changed by another connection while this change was prepared; try again`, {
        plugin: pluginName,
        data: { reason: TABLE_CHANGED },
      })
    }
    assertOwnership(db, pluginName, tableName)
    // drizzle-kit rebuilds a table by copying it to a new one, dropping the old and renaming the new; its
    // "PRAGMA foreign_keys=OFF" does nothing inside this transaction, so a self-reference would fail the
    // drop. Deferred, the references are checked at commit, when they hold again.
    if (hasForeignKeys && statements.length > 0) db.client.exec("PRAGMA defer_foreign_keys = ON")
    for (const statement of statements) {
      try {
        db.client.exec(statement)
      } catch (error) {
        // A busy database is not a failed migration: the caller may run the transaction again.
        if (isBusyError(error)) throw error
        throw new PluginError("TABLE_ERROR", `Table "${tableName}" of plugin "${pluginName}": migration failed: ${(error as Error).message}`, {
          plugin: pluginName,
          cause: error,
        })
      }
    }
    const row = {
      tableName,
      pluginName,
      descriptorHash: hash,
      descriptors: config as unknown as Record<string, unknown>,
      snapshot: next as Record<string, unknown>,
      updatedAt: new Date().toISOString(),
    }
    db.drizzle.insert(pluginTables).values(row).onConflictDoUpdate({ target: pluginTables.tableName, set: row }).run()
  }
  return { tableName, action: exists ? "migrated" : "created", statements, abandoned, dataLoss: problems, apply }
}

function isWarm(db: DB, pluginName: string, input: TableConfig): boolean {
  const known = queriesOf(db).byTable.get({ tableName: input.name })
  return known !== undefined && known.pluginName === pluginName && known.descriptorHash === descriptorHash(input) && db.tableExists(input.name)
}

/** `PluginError.data.reason` of a plan another connection overtook: planning again gives the right one. */
const TABLE_CHANGED = "table-changed"

/**
 * Plans and applies in its own transaction: the load path, for a plugin whose code is already stored.
 * When another process changed the table between plan and apply (several processes loading a new
 * plugin at once), it plans again from what that process left, which is usually "unchanged".
 */
export async function ensurePluginTable(db: DB, pluginName: string, input: TableConfig, options: TablePlanOptions = {}): Promise<EnsureTableResult> {
  for (let attempt = 1; ; attempt++) {
    const plan = await planPluginTable(db, pluginName, input, options)
    try {
      if (plan.action !== "unchanged") await retryWhileBusy(() => db.transaction(plan.apply), { what: `Table "${plan.tableName}" of plugin "${pluginName}"` })
    } catch (error) {
      if (attempt < 5 && isPluginError(error) && error.data?.reason === TABLE_CHANGED) continue
      throw error
    }
    return { tableName: plan.tableName, action: plan.action, statements: plan.statements }
  }
}

/** The tables a plugin owns. */
export function pluginTableNames(db: DB, pluginName: string): string[] {
  return queriesOf(db)
    .byPlugin.all({ pluginName })
    .map((row) => row.tableName)
}

/** Drops a plugin's tables and forgets them. Runs inside the caller's transaction when there is one. */
export function dropPluginTables(db: DB, pluginName: string): string[] {
  const names = pluginTableNames(db, pluginName)
  for (const name of names) {
    db.client.exec(`DROP TABLE IF EXISTS ${quoteSqlIdentifier(name)}`)
  }
  db.drizzle.delete(pluginTables).where(eq(pluginTables.pluginName, pluginName)).run()
  return names
}
