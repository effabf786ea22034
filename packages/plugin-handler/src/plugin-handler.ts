import { PluginError, errorMessage, formatZodError, isPluginError, pluginInputSchema } from "@dockstat/plugin-schema"
import { createHostSettings, createHostTableApi, createPluginRegistry, dropPluginTables, isBusyError, resignUnkeyedPlugins, retryWhileBusy } from "@dockstat/plugin-store"
import { loadPlugin } from "@dockstat/plugin-loader"
import { DEFAULT_MAX_BODY_BYTES, methodNotAllowed, readRouteInputNow, routeNotFound } from "@dockstat/plugin-router"
import { createDockerEventSource, dispatchEvent } from "@dockstat/plugin-events"
import { resolveManifest } from "@dockstat/plugin-installer"

import type { EVENTS, HookName, Logger, PluginInput, PluginInstance, PluginPermissions, RouteInput, RuntimeKind, TableApi } from "@dockstat/plugin-schema"
import type { LoadPluginOptions, SandboxLimits, SandboxPluginInstance, WorkerLimits, WorkerPluginInstance } from "@dockstat/plugin-loader"
import type { DB, HostSettings, HostTableApi, PluginMetadata, PluginRegistry } from "@dockstat/plugin-store"
import type { BackoffOptions, DispatchReport, DockerEventSource, DockerSourceStatus, HookOutcome } from "@dockstat/plugin-events"
import type { ResolveOptions } from "@dockstat/plugin-installer"
import type { LevelWithSilent } from "pino"

import { LoadedSet, createLoadedEntry } from "./loaded-set.ts"
import type { LoadedEntry } from "./loaded-set.ts"
import { candidateRow, prepareVersion } from "./prepared-version.ts"
import type { PreparedVersion } from "./prepared-version.ts"
import { createBaseLogger, loggerName } from "./logger.ts"
import type { PinoLogger } from "./logger.ts"
import { failureKind } from "./install-failure.ts"
import { permissionChange, permissionNote } from "./permission-change.ts"
import type { DeleteResult, InstallOptions, InstallResult, LoadPluginsResult, ResignResult, SaveResult } from "./results.ts"

export interface PluginHandlerOptions {
  /** A pino logger to log through (the handler adds `name` bindings); by default one is made. */
  logger?: PinoLogger
  /** Level of the logger the handler makes: LOG_LEVEL, else "info". */
  logLevel?: LevelWithSilent
  /** Largest request body a plugin route accepts (default 1 MiB); larger ones get 413. */
  maxBodyBytes?: number
  /** Per-plugin timeout of `emit()` (default 5000 ms). */
  hookTimeoutMs?: number
  /**
   * A route that has not answered by then gets a 504, in every runtime (default 10 s). Sandboxed code is
   * interrupted, a worker is ended and restarted; inline code cannot be stopped and runs on in the background.
   */
  timeoutMs?: number
  /** Limits for manifest installs (timeouts, sizes, redirects). */
  install?: ResolveOptions
  /**
   * Where plugins run: "sandbox" (default: each in its own QuickJS engine with no ambient authority,
   * reaching only what its permissions declare), or, for plugins an admin trusts, "worker" (its own
   * thread, Node built-ins, crash isolation) or "inline" (in the host process: fastest).
   */
  runtime?: RuntimeKind
  /** Per-plugin override of `runtime`, by plugin name: how an admin trusts one plugin with more. */
  pluginRuntimes?: Record<string, RuntimeKind>
  /**
   * Built-ins refused to plugins unless granted here, by plugin name: `node:child_process`, `node:cluster`,
   * `node:worker_threads`, `node:module`, `node:vm`, `node:v8`, `node:inspector`, `node:repl`, `node:test`.
   * A plugin importing one without a grant fails to install and to load, with a message naming it.
   * @example { grantModules: { "backup-runner": ["node:child_process"] } }
   */
  grantModules?: Record<string, string[]>
  /** With a `:memory:` DB (no file a worker could open), run worker plugins inline instead of failing. */
  allowInlineFallback?: boolean
  /** Limits of the worker runtime: per-call timeout, heap cap, crashes before a plugin is marked failed. */
  worker?: WorkerLimits
  /** Limits of the sandbox runtime: memory cap (default 64 MiB), CPU slice (default 200 ms), fetch size, timers. */
  sandbox?: SandboxLimits
  /**
   * Docker Engine events to plugin hooks. With this set, `start()` connects to the engine (`host`, else
   * DOCKER_HOST, else /var/run/docker.sock) and `close()` disconnects; an unreachable engine is retried
   * with backoff and logged once per outage, never an error.
   */
  docker?: { host?: string; backoff?: BackoffOptions; since?: string }
}

export interface LoadedPluginStatus {
  id: number
  name: string
  version: string
  runtime: PluginInstance["runtime"]
  routes: string[]
  hooks: string[]
  table: string | null
  /** What the plugin declared it may reach (as stored, normalized). */
  permissions: PluginPermissions
  loadedAt: string
  /** Worker and sandbox runtimes: running, restarting (after a crash, on the next call) or failed (crashed too often). */
  state?: string
  restarts?: number
  lastError?: string | null
  /** Sandbox runtime: bytes of memory its engine holds now. */
  memoryBytes?: number | null
  /** Whether the host loads it at start (stored; deactivate clears it). */
  enabled: boolean
  /** Hook calls of this plugin that threw or timed out since it was installed or the host started (emit, Docker events, lifecycle). */
  hookFailures: number
  lastHookError: string | null
}

export interface PluginStatus {
  installed_plugins: { count: number; data: PluginMetadata[] }
  repos: string[]
  loaded_plugins: LoadedPluginStatus[]
}

/**
 * The DockStat plugin handler: plugins stored as code in libSQL, loaded at run time, serving routes made
 * of action chains and reacting to Docker and lifecycle events. A facade: storage, loading, routing,
 * events and installs live in their own packages.
 *
 * @example
 * const db = new DB("./app.db")
 * const handler = new PluginHandler(db, ["API"])
 * await handler.loadAllPlugins()
 * const response = await handler.handleRoute(1, "/status", new Request("http://host/status"))
 */
export class PluginHandler {
  readonly #db: DB
  readonly #registry: PluginRegistry
  readonly #hostTable: HostTableApi
  readonly #settings: HostSettings
  readonly #loaded = new LoadedSet()
  /** Per plugin id, its hook failures (kept across reloads and updates, dropped on delete). */
  readonly #hookFailures = new Map<number, { count: number; last: string }>()
  /** Per plugin id, the tail of its queue of loads, reloads and updates. */
  readonly #queues = new Map<number, Promise<void>>()
  /** Plugins being stopped (unload, delete, update swap): `settled()` and `close()` wait for them. */
  readonly #disposals = new Set<Promise<void>>()
  readonly #parents: readonly string[]
  readonly #baseLogger: PinoLogger
  readonly #logger: PinoLogger
  readonly #options: PluginHandlerOptions
  #docker: DockerEventSource | undefined
  readonly #maxBodyBytes: number

  constructor(db: DB, loggerParents: string[] = [], options: PluginHandlerOptions = {}) {
    if (db === null || typeof db !== "object" || typeof (db as DB).query !== "function") {
      throw new TypeError("PluginHandler needs a DB (new DB(path)) as its first argument")
    }
    this.#db = db
    this.#registry = createPluginRegistry(db)
    this.#hostTable = createHostTableApi(db)
    this.#settings = createHostSettings(db)
    this.#parents = Object.freeze([...loggerParents])
    this.#options = options
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    this.#baseLogger = options.logger ?? createBaseLogger(options.logLevel)
    this.#logger = this.#baseLogger.child({ name: loggerName(this.#parents, "PluginHandler") })
  }

  // ---- plugin management ----------------------------------------------------------------------

  /**
   * Saves a new plugin and answers synchronously (the seed reads `result.id` at once). The code is stored
   * as given and checked when it loads; `installFromManifestLink` checks it before storing.
   *
   * With `update`, replaces an installed plugin (found by `id`, else by name) keeping its id, atomically:
   * the new version is loaded beside the old one and its table migration planned before anything is
   * written; the row and the table change in one transaction; then a loaded plugin swaps to the new
   * version while calls in flight finish on the old one. If any step fails, the old version stays
   * installed and running and the result says why. An update answers with a Promise.
   */
  savePlugin(plugin: PluginInput, update?: false): SaveResult
  savePlugin(plugin: PluginInput, update: true): Promise<SaveResult>
  savePlugin(plugin: PluginInput, update?: boolean): SaveResult | Promise<SaveResult>
  savePlugin(plugin: PluginInput, update = false): SaveResult | Promise<SaveResult> {
    const parsed = pluginInputSchema.safeParse(plugin)
    if (!parsed.success) {
      const failure: SaveResult = { success: false, message: formatZodError(parsed.error, "Invalid plugin") }
      return update ? Promise.resolve(failure) : failure
    }
    if (!update) return this.#insert(parsed.data)
    return this.#update(parsed.data).then((result) => {
      if (!result.success) this.#logger.warn({ pluginId: parsed.data.id, plugin: parsed.data.name, err: result.message }, "plugin update failed")
      return result
    })
  }

  #insert(input: PluginInput): SaveResult {
    const existing = this.#registry.findByName(input.name)
    if (existing) {
      return { success: false, message: `A plugin named "${input.name}" is already installed (id ${existing.id}); save it with update = true to replace it` }
    }
    try {
      const id = this.#registry.insert(input)
      this.#logger.info({ pluginId: id, plugin: input.name }, "plugin saved")
      return { success: true, id, message: "Plugin saved successfully" }
    } catch (error) {
      return { success: false, message: `Could not save plugin "${input.name}": ${errorMessage(error)}`, kind: failureKind(error, "internal") }
    }
  }

  /** `choices.runtime` (the admin's, from an install option) replaces the stored runtime; left out, it is kept. */
  async #update(input: PluginInput, choices: { runtime?: RuntimeKind } = {}): Promise<SaveResult> {
    const found = input.id !== undefined ? this.#registry.get(input.id) : this.#registry.findByName(input.name)
    if (!found) return { success: false, message: `No installed plugin ${input.id !== undefined ? `with id ${input.id}` : `named "${input.name}"`} to update`, kind: "not-found" }
    const clash = this.#registry.findByName(input.name)
    if (clash && clash.id !== found.id) return { success: false, message: `Another plugin (id ${clash.id}) is already named "${input.name}"`, kind: "conflict" }
    const id = found.id
    return this.#serial(id, async () => {
      const target = this.#registry.get(id)
      if (!target) return { success: false, message: `No plugin with id ${id}`, kind: "not-found" }
      const running = this.#loaded.get(id)
      const keeps = `; version ${target.version} stays installed${running ? " and running" : ""}`
      let prepared: PreparedVersion
      try {
        prepared = await prepareVersion(
          candidateRow(input, id, this.#db.signer, target, choices.runtime),
          this.#loadOptions(input.name, choices.runtime ?? running?.instance.runtime, target.runtime, id),
          input.allowDataLoss ?? false,
        )
      } catch (error) {
        return { success: false, message: `Update of plugin "${target.name}" (id ${id}) refused: ${errorMessage(error)}${keeps}`, kind: failureKind(error, "invalid-plugin") }
      }
      try {
        // Another connection (a worker plugin writing) may hold the write lock: wait between tries, not in SQLite.
        await retryWhileBusy(
          () =>
            this.#db.transaction(() => {
              this.#registry.update(id, input, choices.runtime === undefined ? {} : { runtime: choices.runtime })
              prepared.plan?.apply()
            }),
          { what: `Update of plugin "${target.name}"` },
        )
      } catch (error) {
        await prepared.instance.dispose()
        return { success: false, message: `Update of plugin "${target.name}" (id ${id}) failed: ${errorMessage(error)}${keeps}`, kind: failureKind(error, "internal") }
      }
      const current = this.#loaded.get(id)
      const change = { from: target.version, to: input.version }
      if (current) {
        this.#loaded.swap(prepared.entry)
        this.#track(this.#dispose(current.instance))
        await this.#lifecycle(prepared.instance, "onUpdate", change)
        await this.#lifecycle(prepared.instance, "onLoad")
      } else {
        // Not serving, but its table is migrated: the new version may still move its data along.
        await this.#lifecycle(prepared.instance, "onUpdate", change)
        await prepared.instance.dispose()
      }
      const asks = permissionChange(target.permissions, input.permissions)
      this.#logger.info({ pluginId: id, plugin: input.name, from: target.version, to: input.version, table: prepared.plan?.action, addedPermissions: asks.permissions?.added }, "plugin updated")
      return { success: true, id, message: `Plugin updated successfully${permissionNote(asks)}`, ...asks }
    })
  }

  /** Removes a plugin (unloading it first). Its table is kept unless `dropTable` is set. */
  deletePlugin(id: number, options: { dropTable?: boolean } = {}): DeleteResult {
    if (!Number.isSafeInteger(id)) return { success: false, message: `Plugin id must be an integer, got ${JSON.stringify(id)}`, kind: "validation" }
    const row = this.#registry.get(id)
    if (!row) return { success: false, message: `No plugin with id ${id}`, kind: "not-found" }
    try {
      this.#db.transaction(() => {
        if (options.dropTable) dropPluginTables(this.#db, row.name)
        this.#registry.remove(id)
      })
    } catch (error) {
      // Synchronous (the seed's API), so no waiting here: a locked database says "busy", try again.
      return { success: false, message: `Could not delete plugin ${id}: ${errorMessage(error)}`, kind: isBusyError(error) ? "busy" : "internal" }
    }
    const entry = this.#loaded.remove(id)
    this.#hookFailures.delete(id)
    if (entry) this.#track(this.#dispose(entry.instance, ["onUninstall", "onUnload"]))
    // A load of this plugin may be in flight: once it is over, nothing of the plugin stays loaded, and a
    // table the load made again is dropped too.
    if (this.#queues.has(id)) {
      void this.#serial(id, async () => {
        const late = this.#loaded.remove(id)
        if (late) await this.#dispose(late.instance, ["onUninstall", "onUnload"])
        if (options.dropTable && !this.#registry.findByName(row.name)) dropPluginTables(this.#db, row.name)
      })
    }
    this.#logger.info({ pluginId: id, plugin: row.name, droppedTable: Boolean(options.dropTable) }, "plugin deleted")
    return { success: true, message: "Deleted Plugin" }
  }

  /** Every installed plugin's metadata, without its code. */
  getAll(): PluginMetadata[] {
    return this.#registry.list()
  }

  getStatus(): PluginStatus {
    const data = this.getAll()
    const byId = new Map(data.map((plugin) => [plugin.id, plugin]))
    return {
      installed_plugins: { count: data.length, data },
      repos: this.#registry.repositories(),
      loaded_plugins: [...this.#loaded.entries()].map(({ instance }) => {
        const status: LoadedPluginStatus = {
          id: instance.id,
          name: instance.name,
          version: instance.version,
          runtime: instance.runtime,
          routes: instance.routes.map((route) => route.key),
          hooks: [...instance.hooks],
          table: instance.table?.name ?? null,
          permissions: byId.get(instance.id)?.permissions ?? { network: [], env: [] },
          loadedAt: instance.loadedAt.toISOString(),
          enabled: byId.get(instance.id)?.enabled ?? true,
          hookFailures: this.#hookFailures.get(instance.id)?.count ?? 0,
          lastHookError: this.#hookFailures.get(instance.id)?.last ?? null,
        }
        if (instance.runtime === "worker" || instance.runtime === "sandbox") {
          const contained = instance as WorkerPluginInstance | SandboxPluginInstance
          status.state = contained.state
          status.restarts = contained.restarts
          status.lastError = contained.lastError
        }
        if (instance.runtime === "sandbox") status.memoryBytes = (instance as SandboxPluginInstance).memoryBytes
        return status
      }),
    }
  }

  // ---- loading --------------------------------------------------------------------------------

  /**
   * Starts the host: loads every enabled plugin (disabled ones are in `skipped`), then calls their
   * `onBoot` hooks (a failing one is logged and counted). Failures are reported, not thrown; `close()` undoes it.
   */
  async start(): Promise<LoadPluginsResult> {
    const result = await this.loadAllPlugins()
    this.#startDocker()
    await this.emit("onBoot", {})
    return result
  }

  #startDocker(): void {
    const options = this.#options.docker
    if (options === undefined || this.#docker !== undefined) return
    const logger = this.#baseLogger.child({ name: loggerName(this.#parents, "PluginHandler", "DockerEvents") })
    try {
      this.#docker = createDockerEventSource({
        ...options,
        logger,
        // emit logs each failing hook; the source counts the event as failed from the report.
        deliver: ({ hook, payload }) => this.emit(hook, payload),
      })
    } catch (error) {
      // An unusable DOCKER_HOST (ssh://, TLS) is a configuration problem, not a reason not to serve.
      logger.error({ err: errorMessage(error) }, "Docker events disabled")
      return
    }
    this.#docker.start()
  }

  /** The Docker event source: connected, events delivered, reconnects; null when it is not running. */
  getDockerStatus(): DockerSourceStatus | null {
    return this.#docker?.status() ?? null
  }

  /**
   * Loads every enabled plugin that is not loaded yet; failures are reported, not thrown. Disabled
   * plugins (deactivated) are not loaded and are listed in `skipped` with reason "disabled".
   */
  async loadAllPlugins(): Promise<LoadPluginsResult> {
    const pending = this.#registry.list().filter((plugin) => !this.#loaded.has(plugin.id))
    const disabled = pending.filter((plugin) => !plugin.enabled)
    const result = await this.loadPlugins(pending.filter((plugin) => plugin.enabled).map((plugin) => plugin.id))
    const skipped = disabled.map((plugin) => ({ pluginId: plugin.id, reason: "disabled" as const }))
    if (skipped.length > 0) this.#logger.info({ plugins: disabled.map((plugin) => ({ pluginId: plugin.id, plugin: plugin.name })) }, "disabled plugins not loaded")
    return { ...result, skipped }
  }

  async loadPlugins(ids: number[]): Promise<LoadPluginsResult> {
    const result: LoadPluginsResult = { successes: [], errors: [] }
    if (!Array.isArray(ids)) {
      return { successes: [], errors: [{ pluginId: Number.NaN, error: `loadPlugins expects an array of ids, got ${typeof ids}` }] }
    }
    const outcomes = await Promise.allSettled(ids.map((id) => this.loadPlugin(id)))
    outcomes.forEach((outcome, index) => {
      const id = ids[index] as number
      if (outcome.status === "fulfilled") result.successes.push(id)
      else result.errors.push({ pluginId: id, error: errorMessage(outcome.reason) })
    })
    return result
  }

  /**
   * Loads one plugin (or returns it when loaded). Throws a PluginError that says why it could not.
   * `runtime` overrides the handler's choice for this load.
   */
  async loadPlugin(id: number, options: { runtime?: RuntimeKind } = {}): Promise<PluginInstance> {
    const loaded = this.#loaded.get(id)
    // Nothing queued for it: the loaded instance is the answer. Otherwise wait for the load or update in
    // flight, whose result is the plugin as it will be.
    if (loaded && !this.#queues.has(id)) return loaded.instance
    return this.#serial(id, async () => this.#loaded.get(id)?.instance ?? this.#loadNow(id, options.runtime))
  }

  /** Loads the stored code again and swaps it in; the running version serves until then, and stays on failure. */
  async reloadPlugin(id: number): Promise<PluginInstance> {
    return this.#serial(id, () => this.#loadNow(id, this.#loaded.get(id)?.instance.runtime))
  }

  /** Runs loads, reloads and updates of one plugin one after another. */
  #serial<T>(id: number, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve()
    const run = previous.then(task, task)
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.#queues.set(id, tail)
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id)
    })
    return run
  }

  /** Runtime precedence: this load's choice > the stored (installed with) runtime > `pluginRuntimes` > the handler's default. */
  #loadOptions(name: string, runtime?: RuntimeKind, stored?: RuntimeKind | null, id?: number): LoadPluginOptions {
    // The plugin's id on every line of its logger (its crashes and restarts too); an install has none yet.
    const pino = this.#baseLogger.child({ name: loggerName(this.#parents, "PluginHandler", name), ...(id === undefined ? {} : { pluginId: id }) })
    return {
      db: this.#db,
      logger: pino,
      runtime: runtime ?? stored ?? this.#options.pluginRuntimes?.[name] ?? this.#options.runtime ?? "sandbox",
      logLevel: pino.levelVal,
      ...(this.#options.allowInlineFallback === undefined ? {} : { allowInlineFallback: this.#options.allowInlineFallback }),
      ...(this.#options.grantModules && Object.hasOwn(this.#options.grantModules, name) ? { grantModules: this.#options.grantModules[name] ?? [] } : {}),
      ...(this.#options.worker === undefined ? {} : { worker: this.#options.worker }),
      ...(this.#options.sandbox === undefined ? {} : { sandbox: this.#options.sandbox }),
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
    }
  }

  async #loadNow(id: number, runtimeOverride?: RuntimeKind): Promise<PluginInstance> {
    if (!Number.isSafeInteger(id)) throw new PluginError("PLUGIN_NOT_FOUND", `Plugin id must be an integer, got ${JSON.stringify(id)}`)
    const row = this.#registry.get(id)
    if (!row) throw new PluginError("PLUGIN_NOT_FOUND", `No plugin with id ${id}`, { pluginId: id })
    const started = performance.now()
    try {
      const { instance, table } = await loadPlugin(row, this.#loadOptions(row.name, runtimeOverride, row.runtime, id))
      if (this.#registry.get(id)?.digest !== row.digest) {
        // Deleted or replaced while it was loading: what loaded is not the plugin any more.
        await instance.dispose()
        throw new PluginError("PLUGIN_NOT_FOUND", `Plugin ${id} was deleted or replaced while it was loading`, { pluginId: id, plugin: row.name })
      }
      let entry: LoadedEntry
      try {
        entry = createLoadedEntry(instance)
      } catch (error) {
        // Routes that do not compile (two claiming one path and method): nothing of this load may run on.
        await instance.dispose()
        throw error
      }
      const previous = this.#loaded.swap(entry)
      if (previous) await this.#dispose(previous.instance)
      await this.#lifecycle(instance, "onLoad")
      this.#logger.info({ pluginId: id, plugin: row.name, runtime: instance.runtime, table: table?.action, ms: Math.round(performance.now() - started) }, "plugin loaded")
      return instance
    } catch (error) {
      this.#logger.warn({ pluginId: id, plugin: row.name, err: errorMessage(error) }, "plugin failed to load")
      throw error
    }
  }

  /** Unloads a plugin: it stops serving at once and everything its load set up is released. */
  unloadPlugin(id: number): { success: boolean; message: string } {
    const entry = this.#loaded.remove(id)
    if (!entry) return { success: false, message: `Plugin ${id} is not loaded` }
    this.#track(this.#dispose(entry.instance))
    this.#logger.info({ pluginId: id, plugin: entry.instance.name }, "plugin unloaded")
    return { success: true, message: `Unloaded plugin ${id}` }
  }

  /**
   * Loads a plugin and records that the host loads it at start (enabled). Throws like `loadPlugin`; on
   * failure the stored flag is left as it was.
   */
  async activatePlugin(id: number, options: { runtime?: RuntimeKind } = {}): Promise<PluginInstance> {
    const instance = await this.loadPlugin(id, options)
    if (this.#registry.get(id)?.enabled === false) {
      this.#registry.setEnabled(id, true)
      this.#logger.info({ pluginId: id, plugin: instance.name }, "plugin enabled")
    }
    return instance
  }

  /**
   * Unloads a plugin and records that the host does not load it at start (disabled): `loadAllPlugins()`
   * and `start()` skip it until `activatePlugin(id)`.
   */
  deactivatePlugin(id: number): { success: boolean; message: string } {
    const row = Number.isSafeInteger(id) ? this.#registry.get(id) : undefined
    if (!row) return { success: false, message: `No plugin with id ${id}` }
    try {
      this.#registry.setEnabled(id, false)
    } catch (error) {
      return { success: false, message: `Could not deactivate plugin ${id}: ${errorMessage(error)}` }
    }
    const unloaded = this.unloadPlugin(id)
    this.#logger.info({ pluginId: id, plugin: row.name }, "plugin disabled")
    return { success: true, message: `Deactivated plugin ${id}${unloaded.success ? "" : " (it was not loaded)"}; it stays unloaded across restarts until activated` }
  }

  unloadAllPlugins(): void {
    for (const id of this.#loaded.ids()) this.unloadPlugin(id)
  }

  getLoadedPlugins(): number[] {
    return this.#loaded.ids()
  }

  /**
   * Calls one lifecycle hook of one plugin, with the hook timeout; a failure is logged, never thrown: a
   * plugin's own hook cannot undo what the host already did.
   */
  async #lifecycle(instance: PluginInstance, hook: HookName, payload: Record<string, unknown> = {}): Promise<void> {
    if (!instance.hooks.includes(hook)) return
    const report = await dispatchEvent([instance], hook, { plugin: { id: instance.id, name: instance.name, version: instance.version }, ...payload }, this.#dispatchOptions())
    this.#reportHooks(report)
  }

  /** One warn line per failing hook call (plugin name and id, hook, status, message), counted in its status. */
  #reportHooks(report: DispatchReport): DispatchReport {
    for (const outcome of report.results) {
      if (outcome.status === "ok") continue
      this.#countHookFailure(outcome)
      this.#logger.warn({ pluginId: outcome.pluginId, plugin: outcome.plugin, hook: report.event, status: outcome.status, err: outcome.message, ms: Math.round(outcome.ms) }, "plugin hook failed")
    }
    return report
  }

  #countHookFailure(outcome: Exclude<HookOutcome, { status: "ok" }>): void {
    const stats = this.#hookFailures.get(outcome.pluginId) ?? { count: 0, last: "" }
    stats.count += 1
    stats.last = outcome.message
    this.#hookFailures.set(outcome.pluginId, stats)
  }

  #dispatchOptions() {
    return this.#options.hookTimeoutMs === undefined ? {} : { timeoutMs: this.#options.hookTimeoutMs }
  }

  /** Stops a plugin that served: its last hooks (onUnload, and onUninstall on delete) run first. */
  async #dispose(instance: PluginInstance, hooks: HookName[] = ["onUnload"]): Promise<void> {
    for (const hook of hooks) await this.#lifecycle(instance, hook)
    try {
      await instance.dispose()
    } catch (error) {
      this.#logger.error({ pluginId: instance.id, plugin: instance.name, err: errorMessage(error) }, "plugin unload failed")
    }
  }

  // ---- routes ---------------------------------------------------------------------------------

  /**
   * Runs the plugin route that `path` and the request's method match, and returns the last action's
   * result. Throws PluginErrors carrying the HTTP status: 404 unknown plugin or path, 503 not loaded,
   * 405 wrong method (with Allow), 400 malformed body, 413 body too large, 500 an action failed.
   */
  async handleRoute(id: number, path: string, request: Request): Promise<unknown> {
    return this.handleRouteNow(id, path, request)
  }

  /**
   * `handleRoute` answering synchronously when it can: an inline plugin whose actions return plain
   * values, for a request without a body. It throws the same errors, or returns a Promise. The fetch
   * handler uses it, so such a request costs no Promise at all.
   */
  handleRouteNow(id: number, path: string, request: Request): unknown {
    const entry = this.#loaded.get(id)
    if (entry === undefined) {
      if (Number.isSafeInteger(id) && this.#registry.get(id)) {
        throw new PluginError("PLUGIN_NOT_LOADED", `Plugin ${id} is installed but not loaded; activate it first`, { pluginId: id })
      }
      throw new PluginError("PLUGIN_NOT_FOUND", `No plugin with id ${id}`, { pluginId: id })
    }
    const { instance, routeTable } = entry
    const match = routeTable.match(request.method, path)
    if (match.kind === "not-found") throw routeNotFound(instance, path, routeTable.paths)
    if (match.kind === "method-not-allowed") throw methodNotAllowed(instance, request.method, path, match.allow)
    const key = match.route.key
    const query = path.indexOf("?")
    const input = readRouteInputNow(request, { path: query === -1 ? path : path.slice(0, query), params: match.params, maxBodyBytes: this.#maxBodyBytes })
    if (input instanceof Promise) return input.then((routeInput) => this.#runRouteLogged(instance, key, routeInput))
    return this.#runRouteLogged(instance, key, input)
  }

  /**
   * Runs the route; an action that fails (throws, times out, its plugin crashed) is logged once here,
   * with the plugin, route, action, status and message, and rethrown for the caller to answer.
   */
  #runRouteLogged(instance: PluginInstance, key: string, input: RouteInput): unknown {
    let result: unknown
    try {
      result = runRoute(instance, key, input)
    } catch (error) {
      this.#logActionFailure(instance, key, error)
      throw error
    }
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        this.#logActionFailure(instance, key, error)
        throw error
      })
    }
    return result
  }

  #logActionFailure(instance: PluginInstance, route: string, error: unknown): void {
    const known = isPluginError(error)
    const status = known && typeof error.status === "number" ? error.status : 500
    // warn, not error: the plugin failed, not the host (a crash behind it is logged at error by its runtime).
    this.#logger.warn({ pluginId: instance.id, plugin: instance.name, route, action: known ? error.action : undefined, status, err: errorMessage(error) }, "plugin action failed")
  }

  getAllPluginRoutes(): { id: number; plugin: string; routes: string[] }[] {
    return [...this.#loaded.entries()].map(({ instance, routeTable }) => ({ id: instance.id, plugin: instance.name, routes: [...routeTable.paths] }))
  }

  // ---- events ---------------------------------------------------------------------------------

  /** The seed's shape: plugin id -> its hooks. Each function runs the hook in the plugin's runtime. */
  getHookHandlers(): Map<number, Partial<EVENTS>> {
    return new Map([...this.#loaded.entries()].map((entry) => [entry.instance.id, entry.hookHandlers]))
  }

  /** Calls `event` on every loaded plugin concurrently, each with a timeout; says what each one did. */
  emit(event: HookName, payload: Record<string, unknown> = {}): Promise<DispatchReport> {
    return dispatchEvent(this.#loaded.instances(), event, payload, this.#dispatchOptions()).then((report) => this.#reportHooks(report))
  }

  /** A loaded plugin's table API and logger (what its actions and hooks get). */
  getServerHooks(id: number): { table: TableApi | null; logger: Logger } {
    const entry = this.#loaded.get(id)
    if (!entry) throw new PluginError("PLUGIN_NOT_LOADED", `Plugin ${id} is not loaded`, { pluginId: id })
    return { table: entry.instance.table, logger: entry.instance.logger }
  }

  // ---- install --------------------------------------------------------------------------------

  /**
   * Installs a plugin from a JSON or YAML manifest at an http(s) URL or a local path. The code is checked
   * (imports, shape) before anything is stored; any failure answers `{ success: false, message }` and
   * stores nothing.
   */
  async installFromManifestLink(url: string, options: InstallOptions = {}): Promise<InstallResult> {
    const result = await this.#install(url, options)
    if (!result.success) this.#logger.warn({ url, kind: result.kind, update: Boolean(options.update), err: result.message }, "plugin install failed")
    return result
  }

  async #install(url: string, options: InstallOptions): Promise<InstallResult> {
    if (options.runtime !== undefined && !RUNTIMES.includes(options.runtime)) {
      return { success: false, message: `runtime must be one of ${RUNTIMES.join(", ")}, got ${JSON.stringify(options.runtime)}`, kind: "validation" }
    }
    const choices = options.runtime === undefined ? {} : { runtime: options.runtime }
    if (typeof url !== "string" || url.trim() === "") return { success: false, message: "installFromManifestLink needs a manifest URL or file path", kind: "validation" }
    const resolved = await resolveManifest(url, this.#options.install)
    if (!resolved.ok) return { success: false, message: resolved.message, kind: resolved.kind }
    const input = resolved.input
    const existing = this.#registry.findByName(input.name)
    if (existing) {
      if (!options.update) {
        return { success: false, message: `A plugin named "${input.name}" is already installed (id ${existing.id}); install with update to replace it`, kind: "conflict" }
      }
      const updated = await this.#update({ ...input, id: existing.id }, choices)
      if (!updated.success) return { success: false, message: updated.message, kind: updated.kind ?? "internal" }
      const change = updated.permissions ? { permissions: updated.permissions } : {}
      return { success: true, id: existing.id, message: `Updated ${input.name} to ${input.version} from ${resolved.source}${permissionNote(change)}`, ...change }
    }

    // Load it once, in the runtime it will run in, and plan its table: a plugin that cannot load is not stored.
    let prepared: PreparedVersion
    try {
      prepared = await prepareVersion(candidateRow(input, 0, this.#db.signer, undefined, options.runtime ?? null), this.#loadOptions(input.name, options.runtime), input.allowDataLoss ?? false)
    } catch (error) {
      return { success: false, message: `Plugin "${input.name}" from ${resolved.source} cannot be installed: ${errorMessage(error)}`, kind: failureKind(error, "invalid-plugin") }
    }
    try {
      // Another connection (a worker plugin writing) may hold the write lock: wait between tries, not in SQLite.
      const id = await retryWhileBusy(
        () =>
          this.#db.transaction(() => {
            const id = this.#registry.insert(input, choices)
            prepared.plan?.apply()
            return id
          }),
        { what: `Install of plugin "${input.name}"` },
      )
      this.#logger.info({ pluginId: id, plugin: input.name, source: resolved.source }, "plugin installed")
      await this.#lifecycle(prepared.instance, "onInstall", { plugin: { id, name: input.name, version: input.version } })
      return { success: true, id, message: `Installed ${input.name}@${input.version} from ${resolved.source}` }
    } catch (error) {
      return { success: false, message: `Could not install plugin "${input.name}": ${errorMessage(error)}`, kind: failureKind(error, "internal") }
    } finally {
      await prepared.instance.dispose()
    }
  }

  /** `installFromManifestLink` for a manifest file on disk. */
  installFromFile(path: string, options: InstallOptions = {}): Promise<InstallResult> {
    return this.installFromManifestLink(path, options)
  }

  // ---- database -------------------------------------------------------------------------------

  /** The `plugins` table (read-only; write through savePlugin), with `count()` and `getDb()`. */
  getTable(): HostTableApi {
    return this.#hostTable
  }

  getDb(): DB {
    return this.#db
  }

  /** A value the host recorded under `key` in `host_settings` (e.g. that it installed its examples once). */
  getHostSetting(key: string): string | undefined {
    return this.#settings.get(key)
  }

  /** Records `value` under `key` in `host_settings`; it survives restarts. */
  setHostSetting(key: string, value: string): void {
    this.#settings.set(key, value)
  }

  /**
   * Signs, with the host key, installs from before digests were keyed (their digest is the plain sha256
   * of their code), which refuse to load until then. Run it once after upgrading, if you trust the code
   * in the database; rows changed since, or already signed, are left alone. `ids` narrows it.
   */
  resignPlugins(ids?: number[]): ResignResult {
    try {
      const report = resignUnkeyedPlugins(this.#db, ids)
      const resigned = report.resigned.map((plugin) => plugin.id)
      const skipped = report.skipped.map(({ id, reason }) => ({ id, reason }))
      if (resigned.length > 0) this.#logger.warn({ plugins: report.resigned }, "re-signed plugins installed before keyed digests")
      const names = report.resigned.map((plugin) => `${plugin.name} (id ${plugin.id})`)
      const left = report.skipped.map((plugin) => `id ${plugin.id}: ${plugin.reason}`)
      const message = [names.length > 0 ? `Re-signed ${names.join(", ")}` : "Nothing to re-sign", ...(left.length > 0 ? [`left alone: ${left.join("; ")}`] : [])].join("; ")
      return { success: skipped.length === 0, message, resigned, skipped }
    } catch (error) {
      return { success: false, message: `Could not re-sign plugins: ${errorMessage(error)}`, resigned: [], skipped: [] }
    }
  }

  /** Stops the Docker events, then unloads every plugin and waits until each one is released. */
  async close(): Promise<void> {
    const docker = this.#docker
    this.#docker = undefined
    await docker?.stop()
    await this.settled()
    const entries = this.#loaded.ids().map((id) => this.#loaded.remove(id)).filter((entry) => entry !== undefined)
    await Promise.all(entries.map((entry) => this.#dispose(entry.instance)))
    await this.settled()
  }

  /**
   * Resolves once every load, reload, update and delete queued so far is over and every plugin they
   * stopped is released (its onUnload ran, its runtime is gone).
   */
  async settled(): Promise<void> {
    while (this.#queues.size > 0 || this.#disposals.size > 0) {
      await Promise.allSettled([...this.#queues.values(), ...this.#disposals])
    }
  }

  /** Keeps a disposal in flight until it is over, so `settled()` and `close()` wait for it. */
  #track(disposal: Promise<void>): void {
    this.#disposals.add(disposal)
    void disposal.finally(() => this.#disposals.delete(disposal))
  }
}

const RUNTIMES: readonly RuntimeKind[] = ["sandbox", "worker", "inline"]

/** The synchronous path when the runtime has one (inline), the Promise one otherwise (worker). */
function runRoute(instance: PluginInstance, key: string, input: RouteInput): unknown {
  return instance.runRouteNow ? instance.runRouteNow(key, input) : instance.runRoute(key, input)
}
