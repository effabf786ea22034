import { PluginError, errorMessage, formatZodError, pluginInputSchema } from "@dockstat/plugin-schema"
import { createHostTableApi, createPluginRegistry, dropPluginTables } from "@dockstat/plugin-store"
import { loadPlugin } from "@dockstat/plugin-loader"
import { DEFAULT_MAX_BODY_BYTES, methodNotAllowed, readRouteInputNow, routeNotFound } from "@dockstat/plugin-router"
import { createDockerEventSource, dispatchEvent } from "@dockstat/plugin-events"
import { resolveManifest } from "@dockstat/plugin-installer"

import type { EVENTS, HookName, Logger, PluginInput, PluginInstance, RouteInput, RuntimeKind, TableApi } from "@dockstat/plugin-schema"
import type { LoadPluginOptions, WorkerLimits, WorkerPluginInstance } from "@dockstat/plugin-loader"
import type { DB, HostTableApi, PluginMetadata, PluginRegistry } from "@dockstat/plugin-store"
import type { BackoffOptions, DispatchReport, DockerEventSource, DockerSourceStatus } from "@dockstat/plugin-events"
import type { ResolveOptions } from "@dockstat/plugin-installer"
import type { LevelWithSilent } from "pino"

import { LoadedSet, createLoadedEntry } from "./loaded-set.ts"
import { candidateRow, prepareVersion } from "./prepared-version.ts"
import type { PreparedVersion } from "./prepared-version.ts"
import { createBaseLogger, loggerName } from "./logger.ts"
import type { PinoLogger } from "./logger.ts"
import type { DeleteResult, InstallResult, LoadPluginsResult, SaveResult } from "./results.ts"

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
   * A route that has not answered by then gets a 504, in both runtimes (default 10 s). A worker is ended
   * and restarted; inline code cannot be stopped and runs on in the background.
   */
  timeoutMs?: number
  /** Limits for manifest installs (timeouts, sizes, redirects). */
  install?: ResolveOptions
  /**
   * Where plugins run: "worker" (default: each in its own thread, contained and really unloaded) or
   * "inline" (in the host process: fastest, for trusted plugins).
   */
  runtime?: RuntimeKind
  /** Per-plugin override of `runtime`, by plugin name. */
  pluginRuntimes?: Record<string, RuntimeKind>
  /** With a `:memory:` DB (no file a worker could open), run worker plugins inline instead of failing. */
  allowInlineFallback?: boolean
  /** Limits of the worker runtime: per-call timeout, heap cap, crashes before a plugin is marked failed. */
  worker?: WorkerLimits
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
  loadedAt: string
  /** Worker runtime: running, restarting (after a crash, on the next call) or failed (crashed too often). */
  state?: string
  restarts?: number
  lastError?: string | null
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
  readonly #loaded = new LoadedSet()
  /** Per plugin id, the tail of its queue of loads, reloads and updates. */
  readonly #queues = new Map<number, Promise<void>>()
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
    return update ? this.#update(parsed.data) : this.#insert(parsed.data)
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
      return { success: false, message: `Could not save plugin "${input.name}": ${errorMessage(error)}` }
    }
  }

  async #update(input: PluginInput): Promise<SaveResult> {
    const found = input.id !== undefined ? this.#registry.get(input.id) : this.#registry.findByName(input.name)
    if (!found) return { success: false, message: `No installed plugin ${input.id !== undefined ? `with id ${input.id}` : `named "${input.name}"`} to update` }
    const clash = this.#registry.findByName(input.name)
    if (clash && clash.id !== found.id) return { success: false, message: `Another plugin (id ${clash.id}) is already named "${input.name}"` }
    const id = found.id
    return this.#serial(id, async () => {
      const target = this.#registry.get(id)
      if (!target) return { success: false, message: `No plugin with id ${id}` }
      const running = this.#loaded.get(id)
      const keeps = `; version ${target.version} stays installed${running ? " and running" : ""}`
      let prepared: PreparedVersion
      try {
        prepared = await prepareVersion(candidateRow(input, id, target), this.#loadOptions(input.name, running?.instance.runtime), input.allowDataLoss ?? false)
      } catch (error) {
        return { success: false, message: `Update of plugin "${target.name}" (id ${id}) refused: ${errorMessage(error)}${keeps}` }
      }
      try {
        this.#db.transaction(() => {
          this.#registry.update(id, input)
          prepared.plan?.apply()
        })
      } catch (error) {
        await prepared.instance.dispose()
        return { success: false, message: `Update of plugin "${target.name}" (id ${id}) failed: ${errorMessage(error)}${keeps}` }
      }
      const current = this.#loaded.get(id)
      const change = { from: target.version, to: input.version }
      if (current) {
        this.#loaded.swap(createLoadedEntry(prepared.instance))
        void this.#dispose(current.instance)
        await this.#lifecycle(prepared.instance, "onUpdate", change)
        await this.#lifecycle(prepared.instance, "onLoad")
      } else {
        // Not serving, but its table is migrated: the new version may still move its data along.
        await this.#lifecycle(prepared.instance, "onUpdate", change)
        await prepared.instance.dispose()
      }
      this.#logger.info({ pluginId: id, plugin: input.name, from: target.version, to: input.version, table: prepared.plan?.action }, "plugin updated")
      return { success: true, id, message: "Plugin updated successfully" }
    })
  }

  /** Removes a plugin (unloading it first). Its table is kept unless `dropTable` is set. */
  deletePlugin(id: number, options: { dropTable?: boolean } = {}): DeleteResult {
    if (!Number.isSafeInteger(id)) return { success: false, message: `Plugin id must be an integer, got ${JSON.stringify(id)}` }
    const row = this.#registry.get(id)
    if (!row) return { success: false, message: `No plugin with id ${id}` }
    try {
      this.#db.transaction(() => {
        if (options.dropTable) dropPluginTables(this.#db, row.name)
        this.#registry.remove(id)
      })
    } catch (error) {
      return { success: false, message: `Could not delete plugin ${id}: ${errorMessage(error)}` }
    }
    const entry = this.#loaded.remove(id)
    if (entry) void this.#dispose(entry.instance, ["onUninstall", "onUnload"])
    this.#logger.info({ pluginId: id, plugin: row.name, droppedTable: Boolean(options.dropTable) }, "plugin deleted")
    return { success: true, message: "Deleted Plugin" }
  }

  /** Every installed plugin's metadata, without its code. */
  getAll(): PluginMetadata[] {
    return this.#registry.list()
  }

  getStatus(): PluginStatus {
    const data = this.getAll()
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
          loadedAt: instance.loadedAt.toISOString(),
        }
        if (instance.runtime === "worker") {
          const worker = instance as WorkerPluginInstance
          status.state = worker.state
          status.restarts = worker.restarts
          status.lastError = worker.lastError
        }
        return status
      }),
    }
  }

  // ---- loading --------------------------------------------------------------------------------

  /**
   * Starts the host: loads every enabled plugin, then calls their `onBoot` hooks. Failures are reported,
   * not thrown; `close()` undoes it.
   */
  async start(): Promise<LoadPluginsResult> {
    const result = await this.loadAllPlugins()
    this.#startDocker()
    const report = await this.emit("onBoot", {})
    for (const outcome of report.results) {
      if (outcome.status !== "ok") this.#logger.warn({ pluginId: outcome.pluginId, plugin: outcome.plugin, hook: "onBoot", status: outcome.status }, "lifecycle hook failed")
    }
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

  /** Loads every enabled plugin that is not loaded yet; failures are reported, not thrown. */
  async loadAllPlugins(): Promise<LoadPluginsResult> {
    const ids = this.#registry
      .list()
      .filter((plugin) => plugin.enabled && !this.#loaded.has(plugin.id))
      .map((plugin) => plugin.id)
    return this.loadPlugins(ids)
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

  #loadOptions(name: string, runtime?: RuntimeKind): LoadPluginOptions {
    const pino = this.#baseLogger.child({ name: loggerName(this.#parents, "PluginHandler", name) })
    return {
      db: this.#db,
      logger: pino as unknown as Logger,
      runtime: runtime ?? this.#options.pluginRuntimes?.[name] ?? this.#options.runtime ?? "worker",
      logLevel: pino.levelVal,
      ...(this.#options.allowInlineFallback === undefined ? {} : { allowInlineFallback: this.#options.allowInlineFallback }),
      ...(this.#options.worker === undefined ? {} : { worker: this.#options.worker }),
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
    }
  }

  async #loadNow(id: number, runtimeOverride?: RuntimeKind): Promise<PluginInstance> {
    if (!Number.isSafeInteger(id)) throw new PluginError("PLUGIN_NOT_FOUND", `Plugin id must be an integer, got ${JSON.stringify(id)}`)
    const row = this.#registry.get(id)
    if (!row) throw new PluginError("PLUGIN_NOT_FOUND", `No plugin with id ${id}`, { pluginId: id })
    const started = performance.now()
    try {
      const { instance, table } = await loadPlugin(row, this.#loadOptions(row.name, runtimeOverride))
      const previous = this.#loaded.swap(createLoadedEntry(instance))
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
    void this.#dispose(entry.instance)
    this.#logger.info({ pluginId: id, plugin: entry.instance.name }, "plugin unloaded")
    return { success: true, message: `Unloaded plugin ${id}` }
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
    for (const result of report.results) {
      if (result.status !== "ok") this.#logger.warn({ pluginId: instance.id, plugin: instance.name, hook, status: result.status, err: result.message }, "lifecycle hook failed")
    }
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
    if (input instanceof Promise) return input.then((routeInput) => runRoute(instance, key, routeInput))
    return runRoute(instance, key, input)
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
    return dispatchEvent(this.#loaded.instances(), event, payload, this.#dispatchOptions())
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
  async installFromManifestLink(url: string, options: { update?: boolean } = {}): Promise<InstallResult> {
    if (typeof url !== "string" || url.trim() === "") return { success: false, message: "installFromManifestLink needs a manifest URL or file path", kind: "validation" }
    const resolved = await resolveManifest(url, this.#options.install)
    if (!resolved.ok) return { success: false, message: resolved.message, kind: resolved.kind }
    const input = resolved.input
    const existing = this.#registry.findByName(input.name)
    if (existing) {
      if (!options.update) {
        return { success: false, message: `A plugin named "${input.name}" is already installed (id ${existing.id}); install with update to replace it`, kind: "conflict" }
      }
      const updated = await this.#update({ ...input, id: existing.id })
      if (!updated.success) return { success: false, message: updated.message, kind: "validation" }
      return { success: true, id: existing.id, message: `Updated ${input.name} to ${input.version} from ${resolved.source}` }
    }

    // Load it once, in the runtime it will run in, and plan its table: a plugin that cannot load is not stored.
    let prepared: PreparedVersion
    try {
      prepared = await prepareVersion(candidateRow(input, 0), this.#loadOptions(input.name), input.allowDataLoss ?? false)
    } catch (error) {
      return { success: false, message: `Plugin "${input.name}" from ${resolved.source} cannot be installed: ${errorMessage(error)}`, kind: "validation" }
    }
    try {
      const id = this.#db.transaction(() => {
        const id = this.#registry.insert(input)
        prepared.plan?.apply()
        return id
      })
      this.#logger.info({ pluginId: id, plugin: input.name, source: resolved.source }, "plugin installed")
      await this.#lifecycle(prepared.instance, "onInstall", { plugin: { id, name: input.name, version: input.version } })
      return { success: true, id, message: `Installed ${input.name}@${input.version} from ${resolved.source}` }
    } catch (error) {
      return { success: false, message: `Could not install plugin "${input.name}": ${errorMessage(error)}`, kind: "conflict" }
    } finally {
      await prepared.instance.dispose()
    }
  }

  /** `installFromManifestLink` for a manifest file on disk. */
  installFromFile(path: string, options: { update?: boolean } = {}): Promise<InstallResult> {
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

  /** Stops the Docker events, then unloads every plugin and waits until each one is released. */
  async close(): Promise<void> {
    const docker = this.#docker
    this.#docker = undefined
    await docker?.stop()
    await Promise.allSettled([...this.#queues.values()])
    const entries = this.#loaded.ids().map((id) => this.#loaded.remove(id)).filter((entry) => entry !== undefined)
    await Promise.all(entries.map((entry) => this.#dispose(entry.instance)))
  }
}

/** The synchronous path when the runtime has one (inline), the Promise one otherwise (worker). */
function runRoute(instance: PluginInstance, key: string, input: RouteInput): unknown {
  return instance.runRouteNow ? instance.runRouteNow(key, input) : instance.runRoute(key, input)
}
