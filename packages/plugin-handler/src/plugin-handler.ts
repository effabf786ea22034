import { PluginError, errorMessage, formatZodError, isHookName, pluginInputSchema } from "@dockstat/plugin-schema"
import { committedWrites, createHostSettings, createHostTableApi, createPluginRegistry, dropPluginTables, isBusyError, registryVersion, resignUnkeyedPlugins, retryWhileBusy } from "@dockstat/plugin-store"
import { DEFAULT_MAX_BODY_BYTES, methodNotAllowed, readRouteInputNow, routeNotFound } from "@dockstat/plugin-router"

import type { DockerHostConfig, DockerHostId, EVENTS, HookName, Logger, PluginInput, PluginInstance, PluginRow, RouteDescriptor, RuntimeKind, TableApi } from "@dockstat/plugin-schema"
import type { SandboxLimits, WorkerLimits } from "@dockstat/plugin-loader"
import type { DB, HostSettings, HostTableApi, PluginMetadata, PluginRegistry } from "@dockstat/plugin-store"
import type { DispatchReport, DockerHostsStatus } from "@dockstat/plugin-events"
import type { ChangeFeed } from "@dockstat/plugin-store"
import { redactCredentials } from "@dockstat/plugin-installer"
import type { ResolveOptions } from "@dockstat/plugin-installer"
import type { LevelWithSilent } from "pino"

import { DockerEvents } from "./docker-events.ts"
import type { DockerHostResult, DockerOptions } from "./docker-events.ts"
import { ActivityFeed } from "./activity.ts"
import type { ActivityListener, Unsubscribe } from "./activity.ts"
import { eventSubject } from "./event-subject.ts"
import { LoadedSet } from "./loaded-set.ts"
import type { PluginRoutes } from "./loaded-set.ts"
import { createBaseLogger, loggerName } from "./logger.ts"
import type { PinoLogger } from "./logger.ts"
import { failureKind } from "./install-failure.ts"
import { PluginQueue } from "./plugin-queue.ts"
import { Lifecycle } from "./lifecycle.ts"
import { createLoadOptions } from "./load-options.ts"
import type { HandlerParts } from "./handler-parts.ts"
import { updatePlugin } from "./update-plugin.ts"
import { loadStored, readLoadBatch } from "./load-stored.ts"
import type { LoadBatch } from "./load-stored.ts"
import { runRouteLogged } from "./run-route.ts"
import type { BusyRetry } from "./run-route.ts"
import { followRegistry } from "./follow-registry.ts"
import { distinctRepositories, loadedStatus } from "./plugin-status.ts"
import type { LoadedPluginStatus, PluginStatus } from "./plugin-status.ts"
import { installPlugin } from "./install-plugin.ts"
import { previewPlugin } from "./preview-plugin.ts"
import type { PreviewResult } from "./preview-plugin.ts"
import { tableRows } from "./table-rows.ts"
import type { PluginTableRows, TableRowsOptions } from "./table-rows.ts"
import { invalidIdResult, missingPluginError, missingPluginMessage, missingPluginResult, notLoadedError } from "./missing-plugin.ts"
import type { DeleteResult, InstallOptions, InstallResult, LoadPluginsResult, ResignResult, SaveResult } from "./results.ts"

export type { LoadedPluginStatus, PluginRoutes, PluginStatus }

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
  /**
   * Limits of the worker runtime: per-call timeout, heap cap, crashes before a plugin is marked failed.
   * The worker runtime needs Node: on Bun a worker plugin fails to load, saying why.
   */
  worker?: WorkerLimits
  /** Limits of the sandbox runtime: memory cap (default 64 MiB), CPU slice (default 200 ms), fetch size, timers. */
  sandbox?: SandboxLimits
  /**
   * Docker Engine events to plugin hooks. With this set, `start()` connects to the engine (`host`, else
   * DOCKER_HOST, else /var/run/docker.sock; or each of `hosts: [{ id, name, host }]`) and `close()`
   * disconnects; an unreachable engine is retried with backoff and logged once per outage, never an error.
   * `metricsIntervalMs` (default 30 s) paces `container:metrics` / `host:metrics`, polled only while a
   * loaded plugin has one of them.
   */
  docker?: DockerOptions
  /**
   * Between `start()` and `close()`, the handler follows the registry: installs, updates, enables,
   * disables and deletes made by other processes on the same database (other servers, the CLI) are
   * applied here within `intervalMs` (default 100) plus the load's time. `false` turns it off.
   */
  registryFeed?: { intervalMs?: number } | false
  /**
   * A route (sandbox, inline) whose table write finds the database locked by another process, and that
   * stored nothing yet, is run again with growing pauses (the event loop free) for up to this long
   * before answering 503 with `Retry-After` (default 5000 ms; 0: answer 503 at once).
   */
  busyRetryMs?: number
  /**
   * Most `previewManifestLink` calls at work at once (default 2): each fetches a manifest and loads its
   * code in an engine of its own. One more answers `{ success: false, kind: "busy" }` at once, naming
   * the limit, until one of them ends.
   */
  maxPreviews?: number
}

const DEFAULT_MAX_PREVIEWS = 2

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
  /** Loads, reloads and updates of a plugin one after another, and the plugins being stopped: `settled()`. */
  readonly #queue = new PluginQueue()
  readonly #lifecycle: Lifecycle
  readonly #activity: ActivityFeed
  /** What the install and update flows work with. */
  readonly #parts: HandlerParts
  readonly #parents: readonly string[]
  readonly #baseLogger: PinoLogger
  readonly #logger: PinoLogger
  readonly #options: PluginHandlerOptions
  readonly #docker: DockerEvents | undefined
  #feed: ChangeFeed | undefined
  readonly #busyRetry: BusyRetry
  readonly #maxBodyBytes: number
  readonly #maxPreviews: number
  /** Previews at work now (see `maxPreviews`). */
  #previews = 0

  constructor(db: DB, loggerParents: string[] = [], options: PluginHandlerOptions = {}) {
    if (db === null || typeof db !== "object" || typeof (db as DB).query !== "function") {
      throw new TypeError("PluginHandler needs a DB (new DB(path)) as its first argument")
    }
    const maxPreviews = options.maxPreviews ?? DEFAULT_MAX_PREVIEWS
    if (!Number.isSafeInteger(maxPreviews) || maxPreviews < 1) throw new RangeError(`maxPreviews must be a whole number of at least 1, got ${String(options.maxPreviews)}`)
    this.#db = db
    this.#registry = createPluginRegistry(db)
    this.#hostTable = createHostTableApi(db)
    this.#settings = createHostSettings(db)
    this.#parents = Object.freeze([...loggerParents])
    this.#options = options
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    this.#maxPreviews = maxPreviews
    this.#busyRetry = { timeoutMs: options.busyRetryMs ?? 5000, serving: (instance) => this.#loaded.get(instance.id)?.instance === instance, writes: () => committedWrites(db.client) }
    this.#baseLogger = options.logger ?? createBaseLogger(options.logLevel)
    this.#logger = this.#baseLogger.child({ name: loggerName(this.#parents, "PluginHandler") })
    this.#activity = new ActivityFeed(this.#logger)
    this.#lifecycle = new Lifecycle(this.#logger, options, this.#activity)
    this.#parts = {
      db,
      registry: this.#registry,
      loaded: this.#loaded,
      queue: this.#queue,
      lifecycle: this.#lifecycle,
      logger: this.#logger,
      loadOptions: createLoadOptions(db, this.#baseLogger, this.#parents, options, this.#activity),
      activity: this.#activity,
    }
    if (options.docker !== undefined) {
      this.#docker = new DockerEvents(options.docker, {
        // emit logs each failing hook; the source counts the event as failed from the report.
        emit: (hook, payload) => this.#dispatch(hook, payload, "docker"),
        listening: (hook) => this.#loaded.instances().some((instance) => instance.hooks.includes(hook)),
        logger: this.#baseLogger.child({ name: loggerName(this.#parents, "PluginHandler", "DockerEvents") }),
        // One reader per engine among the processes on this database (see docker-lease.ts).
        db,
        holder: db.origin,
      })
    }
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
    return updatePlugin(this.#parts, parsed.data).then((result) => {
      if (!result.success) {
        this.#logger.warn({ pluginId: parsed.data.id, plugin: parsed.data.name, err: result.message }, "plugin update failed")
        this.#activity.publish({ kind: "update-failed", pluginId: parsed.data.id ?? null, plugin: parsed.data.name, failure: result.kind ?? null, error: result.message })
      }
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

  /** Removes a plugin (unloading it first). Its table is kept unless `dropTable` is set. */
  deletePlugin(id: number, options: { dropTable?: boolean } = {}): DeleteResult {
    if (!Number.isSafeInteger(id)) return invalidIdResult(id)
    const row = this.#registry.get(id)
    if (!row) return missingPluginResult(id)
    try {
      this.#db.transaction(() => {
        if (options.dropTable) dropPluginTables(this.#db, row.name)
        this.#registry.remove(id)
      }, `Delete of plugin ${id}`)
    } catch (error) {
      // Synchronous (the seed's API), so no waiting here: a locked database says "busy", try again.
      return { success: false, message: `Could not delete plugin ${id}: ${errorMessage(error)}`, kind: isBusyError(error) ? "busy" : "internal" }
    }
    const entry = this.#loaded.remove(id)
    this.#lifecycle.forget(id)
    if (entry) this.#queue.track(this.#lifecycle.dispose(entry.instance, ["onUninstall", "onUnload"]))
    // A load of this plugin may be in flight: once it is over, nothing of the plugin stays loaded, and a
    // table the load made again is dropped too.
    if (this.#queue.has(id)) {
      void this.#queue.serial(id, async () => {
        const late = this.#loaded.remove(id)
        if (late) await this.#lifecycle.dispose(late.instance, ["onUninstall", "onUnload"])
        if (options.dropTable && !this.#registry.findByName(row.name)) dropPluginTables(this.#db, row.name)
      })
    }
    this.#logger.info({ pluginId: id, plugin: row.name, droppedTable: Boolean(options.dropTable) }, "plugin deleted")
    this.#activity.publish({ kind: "delete", pluginId: id, plugin: row.name, droppedTable: Boolean(options.dropTable) })
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
      // From the rows just read (one query, one snapshot), ordered as SQLite orders them.
      repos: distinctRepositories(data),
      loaded_plugins: this.#loaded.entries().map((entry) => loadedStatus(entry, byId.get(entry.instance.id), this.#lifecycle.failures(entry.instance.id))),
    }
  }

  // ---- loading --------------------------------------------------------------------------------

  /**
   * Starts the host: loads every enabled plugin (disabled ones are in `skipped`), then calls their
   * `onBoot` hooks (a failing one is logged and counted). Failures are reported, not thrown; `close()` undoes it.
   */
  async start(): Promise<LoadPluginsResult> {
    // Following first: a change made while the plugins load is applied after, not lost in between.
    if (this.#options.registryFeed !== false && this.#feed === undefined) {
      this.#feed = followRegistry(this.#parts, this.#options.registryFeed ?? {})
      this.#feed.start()
    }
    const result = await this.loadAllPlugins()
    this.#startDocker()
    await this.emit("onBoot", {})
    return result
  }

  #startDocker(): void {
    this.#docker?.start()
  }

  /**
   * The Docker event source: connected, events delivered, reconnects, and the same per host in `hosts`
   * (with its metrics polling; with the lease, whether this process is the one reading that engine:
   * `leader`); null when it is not running. With one host the top-level fields are its.
   */
  getDockerStatus(): DockerHostsStatus | null {
    return this.#docker?.status() ?? null
  }

  /** The configured Docker hosts (`docker.hosts`, or the one `docker.host`); empty without the docker option. */
  getDockerHosts(): DockerHostConfig[] {
    return this.#docker?.hosts() ?? []
  }

  /** Adds a Docker host (connected at once when the source runs), then emits `host:added`. */
  addDockerHost(host: DockerHostConfig): Promise<DockerHostResult> {
    return this.#docker?.add(host) ?? Promise.resolve(dockerOff())
  }

  /** Renames a Docker host or points it at another address, then emits `host:updated`. */
  updateDockerHost(host: DockerHostConfig): Promise<DockerHostResult> {
    return this.#docker?.update(host) ?? Promise.resolve(dockerOff())
  }

  /** Disconnects and forgets a Docker host, then emits `host:removed`. */
  removeDockerHost(id: DockerHostId): Promise<DockerHostResult> {
    return this.#docker?.remove(id) ?? Promise.resolve(dockerOff())
  }

  /**
   * Loads every enabled plugin that is not loaded yet; failures are reported, not thrown. Disabled
   * plugins (deactivated) are not loaded and are listed in `skipped` with reason "disabled".
   */
  async loadAllPlugins(): Promise<LoadPluginsResult> {
    // At a start one read of every row (code included) serves the choice and the loads; with plugins
    // loaded already, the metadata says which are left and only their rows are read.
    const start = this.#loaded.ids().length === 0
    const pending: readonly { id: number; name: string; enabled: boolean }[] = (start ? this.#registry.allRows() : this.#registry.list()).filter((plugin) => !this.#loaded.has(plugin.id))
    const disabled = pending.filter((plugin) => !plugin.enabled)
    const ids = pending.filter((plugin) => plugin.enabled).map((plugin) => plugin.id)
    const result = await this.#loadMany(ids, start ? (pending as PluginRow[]) : this.#registry.rows(ids))
    const skipped = disabled.map((plugin) => ({ pluginId: plugin.id, reason: "disabled" as const }))
    if (skipped.length > 0) this.#logger.info({ plugins: disabled.map((plugin) => ({ pluginId: plugin.id, plugin: plugin.name })) }, "disabled plugins not loaded")
    return { ...result, skipped }
  }

  async loadPlugins(ids: number[]): Promise<LoadPluginsResult> {
    if (!Array.isArray(ids)) {
      return { successes: [], errors: [{ pluginId: Number.NaN, error: `loadPlugins expects an array of ids, got ${typeof ids}` }] }
    }
    return this.#loadMany(ids)
  }

  async #loadMany(ids: number[], rows?: readonly PluginRow[]): Promise<LoadPluginsResult> {
    const result: LoadPluginsResult = { successes: [], errors: [] }
    // Plugins with nothing queued are read in one go; the others (an update in flight) read their row when their turn comes.
    const idle = new Set(ids.filter((id) => Number.isSafeInteger(id) && !this.#loaded.has(id) && !this.#queue.has(id)))
    const batch = idle.size > 1 ? readLoadBatch(this.#parts, [...idle], rows) : undefined
    const outcomes = await Promise.allSettled(ids.map((id) => this.#load(id, undefined, batch !== undefined && idle.has(id) ? batch : undefined)))
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
    return this.#load(id, options.runtime)
  }

  #load(id: number, runtime: RuntimeKind | undefined, batch?: LoadBatch): Promise<PluginInstance> {
    const loaded = this.#loaded.get(id)
    // Nothing queued for it: the loaded instance is the answer. Otherwise wait for the load or update in
    // flight, whose result is the plugin as it will be.
    if (loaded && !this.#queue.has(id)) return Promise.resolve(loaded.instance)
    return this.#queue.serial(id, async () => this.#loaded.get(id)?.instance ?? loadStored(this.#parts, id, runtime, batch))
  }

  /** Loads the stored code again and swaps it in; the running version serves until then, and stays on failure. */
  async reloadPlugin(id: number): Promise<PluginInstance> {
    return this.#queue.serial(id, () => loadStored(this.#parts, id, this.#loaded.get(id)?.instance.runtime))
  }

  /** Unloads a plugin: it stops serving at once and everything its load set up is released. */
  unloadPlugin(id: number): { success: boolean; message: string } {
    const entry = this.#loaded.remove(id)
    if (!entry) return { success: false, message: `Plugin ${id} is not loaded` }
    this.#queue.track(this.#lifecycle.dispose(entry.instance))
    this.#logger.info({ pluginId: id, plugin: entry.instance.name }, "plugin unloaded")
    this.#activity.publish({ kind: "unload", pluginId: id, plugin: entry.instance.name })
    return { success: true, message: `Unloaded plugin ${id}` }
  }

  /**
   * Loads a plugin and records that the host loads it at start (enabled). Throws like `loadPlugin`; on
   * failure the stored flag is left as it was.
   */
  async activatePlugin(id: number, options: { runtime?: RuntimeKind } = {}): Promise<PluginInstance> {
    const instance = await this.loadPlugin(id, options)
    if (this.#registry.get(id)?.enabled === false) {
      // Another process may be writing: wait for the lock between tries, not in SQLite.
      await retryWhileBusy(() => this.#registry.setEnabled(id, true), { what: `Enabling plugin ${id}` })
      this.#logger.info({ pluginId: id, plugin: instance.name }, "plugin enabled")
    }
    this.#activity.publish({ kind: "activate", pluginId: id, plugin: instance.name })
    return instance
  }

  /**
   * Unloads a plugin and records that the host does not load it at start (disabled): `loadAllPlugins()`
   * and `start()` skip it until `activatePlugin(id)`.
   */
  deactivatePlugin(id: number): { success: boolean; message: string } {
    const row = Number.isSafeInteger(id) ? this.#registry.get(id) : undefined
    if (!row) return { success: false, message: missingPluginMessage(id) }
    try {
      this.#registry.setEnabled(id, false)
    } catch (error) {
      return { success: false, message: `Could not deactivate plugin ${id}: ${errorMessage(error)}` }
    }
    const unloaded = this.unloadPlugin(id)
    // A load in flight (a reload, the registry feed's) would bring it back after this: once it is over, a
    // plugin still disabled is taken out again, as deletePlugin does.
    if (this.#queue.has(id)) {
      void this.#queue.serial(id, async () => {
        if (this.#registry.get(id)?.enabled !== false) return
        const late = this.#loaded.remove(id)
        if (late) await this.#lifecycle.dispose(late.instance)
      })
    }
    this.#logger.info({ pluginId: id, plugin: row.name }, "plugin disabled")
    this.#activity.publish({ kind: "deactivate", pluginId: id, plugin: row.name })
    return { success: true, message: `Deactivated plugin ${id}${unloaded.success ? "" : " (it was not loaded)"}; it stays unloaded across restarts until activated` }
  }

  unloadAllPlugins(): void {
    for (const id of this.#loaded.ids()) this.unloadPlugin(id)
  }

  getLoadedPlugins(): number[] {
    return this.#loaded.ids()
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
      if (Number.isSafeInteger(id) && this.#registry.get(id)) throw notLoadedError(id, true)
      throw missingPluginError(id)
    }
    const { instance, routeTable } = entry
    const match = routeTable.match(request.method, path)
    if (match.kind === "not-found") throw routeNotFound(instance, path, routeTable.paths)
    if (match.kind === "method-not-allowed") throw methodNotAllowed(instance, request.method, path, match.allow)
    const key = match.route.key
    const query = path.indexOf("?")
    const input = readRouteInputNow(request, { path: query === -1 ? path : path.slice(0, query), params: match.params, maxBodyBytes: this.#maxBodyBytes })
    if (input instanceof Promise) return input.then((routeInput) => runRouteLogged(this.#logger, this.#activity, instance, key, routeInput, this.#busyRetry))
    return runRouteLogged(this.#logger, this.#activity, instance, key, input, this.#busyRetry)
  }

  /** A loaded plugin's routes with their methods, path and actions (what an admin page lists); null when it is not loaded. */
  getPluginRoutes(id: number): RouteDescriptor[] | null {
    const entry = this.#loaded.get(id)
    return entry ? entry.instance.routes.map((route) => ({ ...route, methods: [...route.methods], actions: [...route.actions] })) : null
  }

  /** Each loaded plugin's id, name and route paths, by id. The entries are frozen (built at load, shared by every call). */
  getAllPluginRoutes(): PluginRoutes[] {
    return this.#loaded.entries().map((entry) => entry.routeListing)
  }

  // ---- events ---------------------------------------------------------------------------------

  /** The seed's shape: plugin id -> its hooks. Each function runs the hook in the plugin's runtime. */
  getHookHandlers(): Map<number, Partial<EVENTS>> {
    return new Map([...this.#loaded.entries()].map((entry) => [entry.instance.id, entry.hookHandlers]))
  }

  /**
   * Calls `event` on every loaded plugin concurrently, each with a timeout; says what each one did.
   * Either naming style: `emit("onContainerStart", { container })` calls seed-named hooks with
   * `{ ...payload, table, logger }`, `emit("container:started", { hostId, containerId, containerInfo })`
   * upstream-named ones with `(payload, { table, logger })`. Only hooks of the given name are called.
   */
  emit(event: HookName, payload: Record<string, unknown> = {}): Promise<DispatchReport> {
    // A typo would otherwise reach nobody without a word.
    if (!isHookName(event)) return Promise.reject(unknownHookError(event))
    return this.#dispatch(event, payload, "emit")
  }

  #dispatch(event: HookName, payload: Record<string, unknown>, source: "docker" | "emit"): Promise<DispatchReport> {
    const dispatched = this.#lifecycle.emit(this.#loaded.instances(), event, payload)
    if (!this.#activity.active) return dispatched
    return dispatched.then((report) => {
      // Only events some plugin heard: an engine busy with containers no plugin watches stays quiet.
      if (report.results.length > 0) {
        const failed = report.results.filter((outcome) => outcome.status !== "ok").length
        this.#activity.publish({ kind: "event", hook: event, source, subject: eventSubject(payload), delivered: report.results.length, failed })
      }
      return report
    })
  }

  /**
   * Listens to what the handler does: loads and unloads, activations, installs, updates and deletes,
   * events delivered to hooks, and every plugin failure (action, hook, crash). The listener runs
   * synchronously where the handler logs, so it should only queue the activity; one that throws is logged
   * and kept. With no listener the handler builds no activity at all. Returns the unsubscribe function.
   *
   * @example
   * const stop = handler.onActivity((activity) => console.log(activity.seq, activity.kind, activity.message))
   * await handler.loadAllPlugins()   // 1 load example-plugin (id 1) loaded: 1.0.0 in the sandbox runtime (12 ms)
   * stop()
   */
  onActivity(listener: ActivityListener): Unsubscribe {
    return this.#activity.subscribe(listener)
  }

  /** A loaded plugin's table API and logger (what its actions and hooks get). */
  getServerHooks(id: number): { table: TableApi | null; logger: Logger } {
    const entry = this.#loaded.get(id)
    if (!entry) throw notLoadedError(id)
    return { table: entry.instance.table, logger: entry.instance.logger }
  }

  // ---- install --------------------------------------------------------------------------------

  /**
   * Installs a plugin from a JSON or YAML manifest at an http(s) URL or a local path. The code is checked
   * (imports, shape) before anything is stored; any failure answers `{ success: false, message }` and
   * stores nothing.
   */
  async installFromManifestLink(url: string, options: InstallOptions = {}): Promise<InstallResult> {
    const result = await installPlugin(this.#parts, url, options, this.#options.install)
    if (!result.success) {
      const source = redactCredentials(String(url))
      this.#logger.warn({ url: source, kind: result.kind, update: Boolean(options.update), err: result.message }, "plugin install failed")
      this.#activity.publish({ kind: "install-failed", source, update: Boolean(options.update), failure: result.kind, error: result.message })
    }
    return result
  }

  /**
   * What installing `url` would do, without storing anything: the manifest fetched and validated, the code
   * loaded once in the runtime it would run in and released, its table planned. Says what the plugin asks
   * for (permissions, routes, hooks, table) and, when a plugin of that name is installed, the version
   * change and the permissions it would add. Fails like an install (`{ success: false, message, kind }`).
   * Its `digest`, passed to the install as `expectedDigest`, makes sure what is installed is what was shown.
   *
   * @example
   * const preview = await handler.previewManifestLink("https://example.com/notes/manifest.yaml")
   * if (preview.success && preview.permissions.network.length === 0) {
   *   await handler.installFromManifestLink(preview.source, { update: preview.installed !== null, expectedDigest: preview.digest })
   * }
   */
  async previewManifestLink(url: string, options: { runtime?: RuntimeKind } = {}): Promise<PreviewResult> {
    if (this.#previews >= this.#maxPreviews) {
      return { success: false, kind: "busy", message: `${this.#previews} previews are at work already (maxPreviews ${this.#maxPreviews}): try again when one has ended` }
    }
    this.#previews++
    try {
      return await previewPlugin(this.#parts, url, options, this.#options.install)
    } finally {
      this.#previews--
    }
  }

  /**
   * A page of a plugin's table (read-only, 50 rows by default, at most 200), whether it is loaded or not.
   * Throws a PluginError (404) for an unknown id and a RangeError for a bad page or size.
   */
  getTableRows(id: number, options: TableRowsOptions = {}): PluginTableRows {
    return tableRows(this.#parts, id, options)
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
   * Runs `fn` once per database: `fn` (synchronous, e.g. `savePlugin` calls) and recording `key` in
   * `host_settings` (the time, ISO) happen in one write transaction, unless `key` is recorded already.
   * Several processes starting together on a new database: the first to take the write lock runs it,
   * the others wait their turn (between tries, the event loop free) and then find the key. Resolves to
   * whether this call ran `fn`; when `fn` throws, nothing of it is stored and the error is thrown.
   *
   * @example
   * await handler.runOnce("demo.examplesInstalledAt", () => { handler.savePlugin(example) })
   */
  async runOnce(key: string, fn: () => void): Promise<boolean> {
    const outcome = await retryWhileBusy(() => this.#settings.claim(key, new Date().toISOString(), fn), { what: `Host setting "${key}"`, timeoutMs: 30_000 })
    return outcome.claimed
  }

  /**
   * The registry's version: it grows with every install, update, enable, disable and delete, by any
   * process (the id of the newest entry of `registry_changes`).
   */
  getRegistryVersion(): number {
    return registryVersion(this.#db)
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
    this.#feed?.stop()
    this.#feed = undefined
    await this.#docker?.stop()
    await this.settled()
    const entries = this.#loaded.ids().map((id) => this.#loaded.remove(id)).filter((entry) => entry !== undefined)
    await Promise.all(entries.map((entry) => this.#lifecycle.dispose(entry.instance)))
    await this.settled()
  }

  /**
   * Resolves once every load, reload, update and delete queued so far is over and every plugin they
   * stopped is released (its onUnload ran, its runtime is gone).
   */
  settled(): Promise<void> {
    return this.#queue.settled()
  }
}

function dockerOff(): DockerHostResult {
  return { success: false, message: "Docker events are off: the handler was made without the docker option" }
}

function unknownHookError(event: unknown): PluginError {
  return new PluginError(
    "INVALID_INPUT",
    `emit(): ${JSON.stringify(event)} is not a known event hook (seed names such as "onContainerStart", upstream names such as "container:started")`,
  )
}
