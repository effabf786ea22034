import { errorMessage } from "@dockstat/plugin-schema"
import { createPluginTableApi, ensurePluginTable } from "@dockstat/plugin-store"

import type { Logger, PluginInstance, PluginRow, RuntimeKind, TableApi, TableConfig } from "@dockstat/plugin-schema"
import type { DB, EnsureTableResult, TableIndex } from "@dockstat/plugin-store"

import { loadFailed } from "./errors.ts"
import { importPluginModule } from "./import-module.ts"
import { importInline } from "./module-function.ts"
import { createInlineInstance } from "./inline-runtime.ts"
import type { InlineInstanceOptions } from "./inline-runtime.ts"
import { validatePluginModule } from "./validate-module.ts"
import { digestProblem } from "./verify-digest.ts"
import { declaredEnv } from "./runtime-core.ts"
import type { CrashReport } from "./runtime-core.ts"
import { createSandboxInstance } from "./sandbox-runtime.ts"
import { withSyntaxLocation } from "./syntax-location.ts"
import { withThrowLocation } from "./throw-location.ts"
import type { SandboxLimits } from "./sandbox-runtime.ts"
import { createWorkerInstance } from "./worker-runtime.ts"
import type { WorkerLimits } from "./worker-runtime.ts"

export interface LoadPluginOptions {
  db: DB
  /** The plugin's logger (`<parents> > PluginHandler > <name>`). */
  logger: Logger
  /**
   * Where the plugin runs: "sandbox" (default: no ambient authority), or a trusted runtime an admin
   * chose: "worker" (own thread, Node built-ins) or "inline" (in the host process).
   */
  runtime?: RuntimeKind
  /** With the worker runtime on a `:memory:` DB (which a worker cannot open), run inline instead of failing. */
  allowInlineFallback?: boolean
  /** Limits of the worker runtime. */
  worker?: WorkerLimits
  /** Limits of the sandbox runtime (memory cap, CPU slice, fetch size, timers). */
  sandbox?: SandboxLimits
  /** Where the sandbox reads `permissions.env` names from (default `process.env`). */
  environment?: Record<string, string | undefined>
  /** A route (or, in a worker, a hook) that has not answered by then gets a 504 (default 10 s). */
  timeoutMs?: number
  /** pino level number of the plugin logger (the worker drops calls below it). */
  logLevel?: number
  /**
   * Refused built-ins this plugin may import all the same (`node:child_process`, `node:worker_threads`,
   * `node:module`, ...: the list and why is in module-policy.ts). Without a grant the load fails naming them.
   */
  grantModules?: readonly string[]
  /**
   * "ensure" (default): make the plugin's table match its descriptors before it runs. "external": the
   * caller migrates the table (in the same transaction as the plugin's row, on install and update)
   * before the instance serves; the instance only gets the table API.
   */
  tables?: "ensure" | "external"
  /** Sandbox and worker runtimes: told of each crash of the plugin (after it is logged). */
  onCrash?: (crash: CrashReport) => void
  /** Loading many plugins at once: their tables' records read in one go (`readTableIndex`). */
  tableIndex?: TableIndex
}

export interface LoadedPlugin {
  instance: PluginInstance
  /** What the load did to the table ("ensure"), null without a table or with "external". */
  table: EnsureTableResult | null
  /** The table the module declares. */
  tableConfig: TableConfig | null
}

async function prepareTable(row: PluginRow, options: LoadPluginOptions, config: TableConfig, context: { pluginId: number; plugin: string }) {
  let result: EnsureTableResult | null = null
  if (options.tables !== "external") {
    try {
      result = await ensurePluginTable(options.db, row.name, config, options.tableIndex === undefined ? {} : { index: options.tableIndex })
    } catch (error) {
      throw loadFailed(context, errorMessage(error), error)
    }
  }
  const api = createPluginTableApi(options.db.client, config)
  return { result, api }
}

/**
 * Stored plugin -> running plugin: verify the code's digest, import it, check its shape, make its table
 * (through drizzle-kit, only when its descriptors changed) and build the instance. Any failure is a
 * LOAD_FAILED PluginError naming the plugin and the reason; nothing is left running.
 */
export async function loadPlugin(row: PluginRow, options: LoadPluginOptions): Promise<LoadedPlugin> {
  try {
    return await loadInRuntime(row, options)
  } catch (error) {
    // Each runtime words a syntax error its own way, not always with the place: name line and column.
    throw withSyntaxLocation(error, row.plugin)
  }
}

async function loadInRuntime(row: PluginRow, options: LoadPluginOptions): Promise<LoadedPlugin> {
  const context = { pluginId: row.id, plugin: row.name }
  const tampered = digestProblem(row, options.db)
  if (tampered !== null) throw loadFailed(context, tampered)
  let runtime = options.runtime ?? "sandbox"
  if (runtime === "sandbox") return loadInSandbox(row, options, context)
  if (runtime === "worker" && options.db.inMemory) {
    if (!options.allowInlineFallback) {
      throw loadFailed(context, 'the worker runtime needs a database file, and ":memory:" cannot be opened from a worker thread; use a file (new DB("./app.db")), choose the inline runtime, or allow the inline fallback')
    }
    options.logger.warn("the database is in memory: running the plugin inline instead of in a worker")
    runtime = "inline"
  }
  if (runtime === "worker" && options.db.replica !== undefined) {
    // A worker would open the replica's file as a plain file and write to the local copy, behind the
    // primary's back: its writes must go through the replica connection, which lives in this thread.
    throw loadFailed(context, "the worker runtime opens the database file from its own thread, which an embedded replica (syncUrl) does not allow; choose the sandbox or inline runtime")
  }
  if (runtime === "worker") return loadInWorker(row, options, context)

  let namespace: Record<string, unknown>
  try {
    const grants = options.grantModules === undefined ? {} : { grantModules: options.grantModules }
    namespace = await importInline(row.plugin, row.name, (code) => importPluginModule(code, grants), grants)
  } catch (error) {
    const inPlugin = (file: string) => file === `plugin:${row.name}`
    throw loadFailed(context, withThrowLocation(errorMessage(error), (error as { stack?: unknown } | null)?.stack, inPlugin), error)
  }
  let definition
  try {
    definition = validatePluginModule(namespace)
  } catch (error) {
    throw loadFailed(context, errorMessage(error), error)
  }

  let table: TableApi | null = null
  let tableResult: EnsureTableResult | null = null
  const tableConfig = definition.config?.table ?? null
  if (tableConfig) {
    const prepared = await prepareTable(row, options, tableConfig, context)
    table = prepared.api
    tableResult = prepared.result
  }

  const inline: InlineInstanceOptions = {
    ref: { id: row.id, name: row.name, version: row.version },
    definition,
    table,
    logger: options.logger,
    env: declaredEnv(row.permissions.env, options.environment ?? process.env),
  }
  // Assigned, not spread in: on Node 20 a spread's properties take V8's slow path (1000 times at a start).
  if (options.timeoutMs !== undefined) inline.timeoutMs = options.timeoutMs
  const instance = createInlineInstance(inline)
  return { instance, table: tableResult, tableConfig }
}

/**
 * A runtime that imports the module itself (sandbox, worker) and asks the host for its table once it
 * knows the declaration: records what the table preparation did, for the load's result.
 */
async function loadContained(
  row: PluginRow,
  options: LoadPluginOptions,
  context: { pluginId: number; plugin: string },
  create: (prepareTable: (config: TableConfig) => Promise<TableApi>) => Promise<PluginInstance>,
): Promise<LoadedPlugin> {
  let tableResult: EnsureTableResult | null = null
  let tableConfig: TableConfig | null = null
  const instance = await create(async (config) => {
    tableConfig = config
    const prepared = await prepareTable(row, options, config, context)
    tableResult = prepared.result
    return prepared.api
  })
  return { instance, table: tableResult, tableConfig }
}

function loadInSandbox(row: PluginRow, options: LoadPluginOptions, context: { pluginId: number; plugin: string }): Promise<LoadedPlugin> {
  return loadContained(row, options, context, (prepareTable) => createSandboxInstance({
    ...options.sandbox,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ref: { id: row.id, name: row.name, version: row.version },
    code: row.plugin,
    logger: options.logger,
    permissions: row.permissions,
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.onCrash === undefined ? {} : { onCrash: options.onCrash }),
    prepareTable,
  }))
}

function loadInWorker(row: PluginRow, options: LoadPluginOptions, context: { pluginId: number; plugin: string }): Promise<LoadedPlugin> {
  return loadContained(row, options, context, (prepareTable) => createWorkerInstance({
    ...options.worker,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ref: { id: row.id, name: row.name, version: row.version },
    code: row.plugin,
    dbPath: options.db.path,
    logger: options.logger,
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.grantModules === undefined ? {} : { grantModules: options.grantModules }),
    ...(options.onCrash === undefined ? {} : { onCrash: options.onCrash }),
    prepareTable,
  }))
}
