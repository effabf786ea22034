import type { PluginInstance, PluginPermissions } from "@dockstat/plugin-schema"
import type { SandboxPluginInstance, WorkerPluginInstance } from "@dockstat/plugin-loader"
import type { PluginMetadata } from "@dockstat/plugin-store"

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
 * One loaded plugin as `getStatus()` shows it: what it serves, what the registry says of it (`stored`:
 * permissions, enabled) and how its hooks and runtime fare. The runtime fields appear only where the
 * runtime has them, so an inline plugin's status has no `state`.
 */
export function loadedStatus(instance: PluginInstance, stored: PluginMetadata | undefined, hookFailures: { count: number; last: string } | undefined): LoadedPluginStatus {
  const status: LoadedPluginStatus = {
    id: instance.id,
    name: instance.name,
    version: instance.version,
    runtime: instance.runtime,
    routes: instance.routes.map((route) => route.key),
    hooks: [...instance.hooks],
    table: instance.table?.name ?? null,
    permissions: stored?.permissions ?? { network: [], env: [] },
    loadedAt: instance.loadedAt.toISOString(),
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
