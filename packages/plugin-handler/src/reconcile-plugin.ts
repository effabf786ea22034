import type { HandlerParts } from "./handler-parts.ts"
import { versionStamp } from "./loaded-set.ts"
import { loadStored } from "./load-stored.ts"

/** What following the registry did to one plugin in this process. */
export type Reconciled = "unchanged" | "loaded" | "reloaded" | "unloaded" | "failed"

/**
 * Brings one plugin of this process in line with the registry, after another process (or the CLI)
 * changed it: enabled and stored -> loaded at the stored version (a running older version is swapped
 * out once the new one is ready, and stays if it does not load); disabled or deleted -> unloaded.
 * Runs in the plugin's queue, after any load or update of it in flight, so it compares against what
 * that left behind, and a plugin already at the stored version costs one row read.
 *
 * Lifecycle hooks: `onLoad` / `onUnload` run here as for any load and unload; `onInstall`, `onUpdate`
 * and `onUninstall` ran once, in the process that made the change.
 */
export function reconcilePlugin(parts: HandlerParts, id: number): Promise<Reconciled> {
  return parts.queue.serial(id, async () => {
    const row = parts.registry.get(id)
    const entry = parts.loaded.get(id)
    if (row === undefined || !row.enabled) {
      if (entry === undefined) return "unchanged"
      parts.loaded.remove(id)
      if (row === undefined) parts.lifecycle.forget(id)
      parts.activity.publish({ kind: "unload", pluginId: id, plugin: entry.instance.name })
      await parts.lifecycle.dispose(entry.instance)
      return "unloaded"
    }
    if (entry !== undefined && entry.stamp === versionStamp(row)) return "unchanged"
    try {
      // The stored runtime if the admin chose one, else the one it runs in here (a load's own choice).
      await loadStored(parts, id, row.runtime ?? entry?.instance.runtime)
    } catch {
      // loadStored logged why; an older version that was running still is.
      return "failed"
    }
    return entry === undefined ? "loaded" : "reloaded"
  })
}
