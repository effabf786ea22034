import type { EVENTS, HookName, PluginInstance } from "@dockstat/plugin-schema"
import { compileRoutes } from "@dockstat/plugin-router"

import type { RouteTable } from "@dockstat/plugin-router"

/** What the handler keeps for a loaded plugin; all of it built once, at load. */
export interface LoadedEntry {
  instance: PluginInstance
  routeTable: RouteTable
  /** The seed's `getHookHandlers()` value for this plugin: each function calls into the instance. */
  hookHandlers: Partial<EVENTS>
}

export function createLoadedEntry(instance: PluginInstance): LoadedEntry {
  const hookHandlers: Partial<EVENTS> = {}
  for (const hook of instance.hooks) {
    hookHandlers[hook as HookName] = (context) => instance.runHook(hook, context as Record<string, unknown>)
  }
  return { instance, routeTable: compileRoutes(instance.routes), hookHandlers: Object.freeze(hookHandlers) }
}

/**
 * The loaded plugins, as an immutable map swapped whole on every change: a request reads one snapshot
 * and never sees a plugin half added or half removed.
 */
export class LoadedSet {
  #entries: ReadonlyMap<number, LoadedEntry> = new Map()
  /** The entries by id, for listings; built on the first read after a change. */
  #sorted: LoadedEntry[] | undefined

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

  instances(): PluginInstance[] {
    return this.entries().map((entry) => entry.instance)
  }

  /** Puts `entry` in, returning what it replaced. */
  swap(entry: LoadedEntry): LoadedEntry | undefined {
    const next = new Map(this.#entries)
    const previous = next.get(entry.instance.id)
    next.set(entry.instance.id, entry)
    this.#entries = next
    this.#sorted = undefined
    return previous
  }

  remove(id: number): LoadedEntry | undefined {
    const previous = this.#entries.get(id)
    if (previous === undefined) return undefined
    const next = new Map(this.#entries)
    next.delete(id)
    this.#entries = next
    this.#sorted = undefined
    return previous
  }
}
