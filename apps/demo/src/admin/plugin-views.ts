import type PluginHandler from "@dockstat/plugin-handler"
import type { LoadedPluginStatus, PluginMetadata, PluginPermissions } from "@dockstat/plugin-handler"

import type { PluginErrors } from "./plugin-errors.ts"

/** What a plugin is doing, as the page shows it. */
export type PluginState = "running" | "restarting" | "failed" | "not loaded" | "disabled"

/** One plugin as the page shows it: what is stored, and what the loaded version reports. */
export interface PluginView {
  id: number
  name: string
  version: string
  description: string | null
  manifest: string
  enabled: boolean
  loaded: boolean
  state: PluginState
  /** The loaded version's runtime, else the stored choice, else "default". */
  runtime: string
  permissions: PluginPermissions
  /** `GET /status`, ...; only known while loaded (and filled for the plugins on the page). */
  routes: string[] | null
  hooks: readonly string[] | null
  table: string | null
  /** Rows in its table (filled for the plugins on the page). */
  rows: number | null
  lastError: { at: string; message: string } | null
  restarts: number | null
  hookFailures: number
}

export const STATE_FILTERS = ["all", "running", "problems", "disabled"] as const
export type StateFilter = (typeof STATE_FILTERS)[number]

export interface ListQuery {
  /** Part of a name or description, any case. */
  q: string
  state: StateFilter
  /** 1-based. */
  page: number
}

export interface PluginList {
  plugins: PluginView[]
  /** Plugins that pass the filter. */
  matching: number
  /** Plugins installed. */
  installed: number
  page: number
  pages: number
  pageSize: number
}

export const PAGE_SIZE = 50

/**
 * The plugin list, filtered and cut to one page on the server: a page of 50 costs the same with 1000
 * plugins installed. Table row counts are read for the plugins on the page only.
 */
export function listPlugins(handler: PluginHandler, errors: PluginErrors, query: ListQuery): PluginList {
  const status = handler.getStatus()
  const loaded = new Map(status.loaded_plugins.map((plugin) => [plugin.id, plugin]))
  const needle = query.q.trim().toLowerCase()
  const all = status.installed_plugins.data.map((stored) => toView(stored, loaded.get(stored.id), errors))
  const matching = all.filter((plugin) => (needle === "" || plugin.name.toLowerCase().includes(needle) || (plugin.description ?? "").toLowerCase().includes(needle)) && passes(plugin, query.state))
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE))
  const page = Math.min(Math.max(1, query.page), pages)
  const plugins = matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((plugin) => withDetails(handler, plugin))
  return { plugins, matching: matching.length, installed: all.length, page, pages, pageSize: PAGE_SIZE }
}

/** One plugin, or undefined for an id that names none. */
export function pluginView(handler: PluginHandler, errors: PluginErrors, id: number): PluginView | undefined {
  const status = handler.getStatus()
  const stored = status.installed_plugins.data.find((plugin) => plugin.id === id)
  if (!stored) return undefined
  return withDetails(handler, toView(stored, status.loaded_plugins.find((plugin) => plugin.id === id), errors))
}

function toView(stored: PluginMetadata, loaded: LoadedPluginStatus | undefined, errors: PluginErrors): PluginView {
  const state: PluginState = loaded ? ((loaded.state === "restarting" || loaded.state === "failed" ? loaded.state : "running") as PluginState) : stored.enabled ? "not loaded" : "disabled"
  return {
    id: stored.id,
    name: stored.name,
    version: stored.version,
    description: stored.description,
    manifest: stored.manifest,
    enabled: stored.enabled,
    loaded: loaded !== undefined,
    state,
    runtime: loaded?.runtime ?? stored.runtime ?? "default",
    permissions: stored.permissions,
    routes: null,
    hooks: loaded ? loaded.hooks : null,
    table: loaded?.table ?? null,
    rows: null,
    lastError: errors.last(stored.id) ?? (loaded?.lastError ? { at: "", message: loaded.lastError } : null),
    restarts: loaded?.restarts ?? null,
    hookFailures: loaded?.hookFailures ?? 0,
  }
}

/** What only the plugins on the page get: their routes with methods, and their table's row count. */
function withDetails(handler: PluginHandler, plugin: PluginView): PluginView {
  const routes = handler.getPluginRoutes(plugin.id)?.map((route) => `${route.methods.join(", ")} ${route.path}`) ?? null
  try {
    const table = handler.getTableRows(plugin.id, { pageSize: 0 })
    return { ...plugin, routes, table: table.table, rows: table.table === null ? null : table.total }
  } catch {
    // Deleted meanwhile, or its table is locked: the list shows what it can.
    return { ...plugin, routes }
  }
}

function passes(plugin: PluginView, state: StateFilter): boolean {
  switch (state) {
    case "all":
      return true
    case "running":
      return plugin.state === "running"
    case "disabled":
      return plugin.state === "disabled"
    case "problems":
      return plugin.state === "failed" || plugin.state === "restarting" || plugin.state === "not loaded" || plugin.lastError !== null || plugin.hookFailures > 0
  }
}
