import type { PluginInstance, PluginPermissions } from "@dockstat/plugin-schema"
import type { SandboxPluginInstance, WorkerPluginInstance } from "@dockstat/plugin-loader"
import type { PluginMetadata } from "@dockstat/plugin-store"

import type { LoadedEntry } from "./loaded-set.ts"

export interface LoadedPluginStatus {
  id: number
  name: string
  version: string
  runtime: PluginInstance["runtime"]
  /** Route keys; shared and frozen, like `hooks` (fixed while the plugin stays loaded). */
  routes: readonly string[]
  hooks: readonly string[]
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
 * One loaded plugin as `getStatus()` shows it: what it serves, what the registry says of it (`stored`:
 * permissions, enabled) and how its hooks and runtime fare. The runtime fields appear only where the
 * runtime has them, so an inline plugin's status has no `state`.
 */
export function loadedStatus(entry: LoadedEntry, stored: PluginMetadata | undefined, hookFailures: { count: number; last: string } | undefined): LoadedPluginStatus {
  const { instance, fixedStatus } = entry
  const status: LoadedPluginStatus = {
    id: instance.id,
    name: instance.name,
    version: instance.version,
    runtime: instance.runtime,
    routes: fixedStatus.routes,
    hooks: fixedStatus.hooks,
    table: fixedStatus.table,
    permissions: stored?.permissions ?? { network: [], env: [] },
    loadedAt: fixedStatus.loadedAt,
    enabled: stored?.enabled ?? true,
    hookFailures: hookFailures?.count ?? 0,
    lastHookError: hookFailures?.last ?? null,
  }
  if (instance.runtime === "worker" || instance.runtime === "sandbox") {
    const contained = instance as WorkerPluginInstance | SandboxPluginInstance
    status.state = contained.state
    status.restarts = contained.restarts
    status.lastError = contained.lastError
  }
  if (instance.runtime === "sandbox") status.memoryBytes = (instance as SandboxPluginInstance).memoryBytes
  return status
}

/**
 * The distinct repositories of `plugins`, sorted as SQLite's `SELECT DISTINCT ... ORDER BY` sorts text
 * (binary collation: UTF-8 bytes, which is code point order; JavaScript's `<` compares UTF-16 units).
 */
export function distinctRepositories(plugins: readonly PluginMetadata[]): string[] {
  const seen = new Set<string>()
  for (const plugin of plugins) seen.add(plugin.repository)
  return [...seen].sort(compareCodePoints)
}

function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) {
    const x = a.codePointAt(index) as number
    const y = b.codePointAt(index) as number
    if (x !== y) return x - y
    if (x > 0xffff) index++
  }
  return a.length - b.length
}
