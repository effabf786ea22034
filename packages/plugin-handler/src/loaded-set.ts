import type { EVENTS, PluginInstance, ServerContext } from "@dockstat/plugin-schema"
import { compileRoutes } from "@dockstat/plugin-router"

import type { RouteTable } from "@dockstat/plugin-router"

/** One plugin in `getAllPluginRoutes()`. */
export interface PluginRoutes {
  readonly id: number
  readonly plugin: string
  /** The distinct route paths, in declaration order. */
  readonly routes: readonly string[]
}

/** What `getStatus()` shows of a loaded plugin that cannot change while it stays loaded. */
export interface FixedStatus {
  readonly routes: readonly string[]
  readonly hooks: readonly string[]
  readonly table: string | null
  readonly loadedAt: string
}

/** What the handler keeps for a loaded plugin; all of it built once, at load. */
export interface LoadedEntry {
  instance: PluginInstance
  /**
   * Which stored version this is (`versionStamp` of the row it was loaded from): a process following
   * the registry reloads a plugin whose stored stamp differs, and leaves one that matches alone.
   */
  stamp: string
  routeTable: RouteTable
  /** The seed's `getHookHandlers()` value for this plugin: each function calls into the instance. */
  hookHandlers: Partial<EVENTS>
  /**
   * The listings, frozen and shared by every call: a listing of 1000 plugins then allocates one array,
   * not 2000 objects (V8 pretenures a site whose objects survive a scavenge mid-listing, and old objects
   * pointing at fresh arrays made every later scavenge copy them: 15x slower listings, seen in the bench).
   */
  routeListing: PluginRoutes
  fixedStatus: FixedStatus
}

/** The stored version a row holds: its keyed digest (name, code, permissions, runtime) and its version. */
export function versionStamp(row: { digest: string; version: string }): string {
  return `${row.digest}|${row.version}`
}

export function createLoadedEntry(instance: PluginInstance, stamp: string): LoadedEntry {
  const hookHandlers: Record<string, (context: Record<string, unknown>, server?: ServerContext) => Promise<void>> = {}
  for (const hook of instance.hooks) {
    // Upstream's form passes `{ table, logger }` last; the runtime takes them from the payload.
    hookHandlers[hook] = (context, server) =>
      instance.runHook(hook, server === undefined ? context : { ...context, logger: server.logger, table: server.table })
  }
  const routeTable = compileRoutes(instance.routes)
  return {
    instance,
    stamp,
    routeTable,
    hookHandlers: Object.freeze(hookHandlers) as Partial<EVENTS>,
    routeListing: Object.freeze({ id: instance.id, plugin: instance.name, routes: routeTable.paths }),
    fixedStatus: Object.freeze({
      routes: Object.freeze(instance.routes.map((route) => route.key)),
      hooks: Object.freeze([...instance.hooks]),
      table: instance.table?.name ?? null,
      loadedAt: instance.loadedAt.toISOString(),
    }),
  }
}

/**
 * The loaded plugins by id. Each entry is built whole before it goes in and is never changed after (a
 * reload or update puts in a new entry), so a request that looked an entry up keeps a consistent plugin
 * even if it is replaced meanwhile. Listings are snapshots.
 */
export class LoadedSet {
  readonly #entries = new Map<number, LoadedEntry>()
  /** The entries by id, for listings; built on the first read after a change. */
  #sorted: LoadedEntry[] | undefined
  /** Their instances, in the same order (every emit() reads them). */
  #instances: readonly PluginInstance[] | undefined

  get(id: number): LoadedEntry | undefined {
    return this.#entries.get(id)
  }

  has(id: number): boolean {
    return this.#entries.has(id)
  }

  /** Loaded ids in ascending order (plugins load concurrently; listings should not depend on who finished first). */
  ids(): number[] {
    return this.entries().map((entry) => entry.instance.id)
  }

  entries(): readonly LoadedEntry[] {
    this.#sorted ??= [...this.#entries.values()].sort((a, b) => a.instance.id - b.instance.id)
    return this.#sorted
  }

  /** The loaded instances by id: a snapshot, shared until the next change (do not modify it). */
  instances(): readonly PluginInstance[] {
    this.#instances ??= Object.freeze(this.entries().map((entry) => entry.instance))
    return this.#instances
  }

  /** Puts `entry` in, returning what it replaced. */
  swap(entry: LoadedEntry): LoadedEntry | undefined {
    const previous = this.#entries.get(entry.instance.id)
    this.#entries.set(entry.instance.id, entry)
    this.#sorted = undefined
    this.#instances = undefined
    return previous
  }

  remove(id: number): LoadedEntry | undefined {
    const previous = this.#entries.get(id)
    if (previous === undefined) return undefined
    this.#entries.delete(id)
    this.#sorted = undefined
    this.#instances = undefined
    return previous
  }
}
