import { errorMessage } from "@dockstat/plugin-schema"

import type { PluginInput, RuntimeKind } from "@dockstat/plugin-schema"

import { applyVersion } from "./apply-version.ts"
import type { HandlerParts } from "./handler-parts.ts"
import { failureKind } from "./install-failure.ts"
import { missingPluginResult } from "./missing-plugin.ts"
import { permissionChange, permissionNote } from "./permission-change.ts"
import { candidateRow, prepareVersion } from "./prepared-version.ts"
import type { PreparedVersion } from "./prepared-version.ts"
import type { SaveResult } from "./results.ts"

/**
 * Replaces an installed plugin (found by `input.id`, else by name) keeping its id, in its queue so it never
 * races a load of the same plugin. `choices.runtime` (the admin's, from an install option) replaces the
 * stored runtime; left out, it is kept. Any failure leaves the old version stored and running and says so.
 */
export async function updatePlugin(parts: HandlerParts, input: PluginInput, choices: { runtime?: RuntimeKind } = {}): Promise<SaveResult> {
  const { registry } = parts
  const found = input.id !== undefined ? registry.get(input.id) : registry.findByName(input.name)
  if (!found) return { success: false, message: `No installed plugin ${input.id !== undefined ? `with id ${input.id}` : `named "${input.name}"`} to update`, kind: "not-found" }
  const clash = registry.findByName(input.name)
  if (clash && clash.id !== found.id) return { success: false, message: `Another plugin (id ${clash.id}) is already named "${input.name}"`, kind: "conflict" }
  const id = found.id
  return parts.queue.serial(id, async () => {
    const target = registry.get(id)
    if (!target) return missingPluginResult(id)
    const running = parts.loaded.get(id)
    const keeps = `; version ${target.version} stays installed${running ? " and running" : ""}`
    return applyVersion<unknown, SaveResult>(parts.db, {
      prepare: () =>
        prepareVersion(
          candidateRow(input, id, parts.db.signer, target, choices.runtime),
          parts.loadOptions(input.name, { runtime: choices.runtime ?? running?.instance.runtime, stored: target.runtime, id }),
          input.allowDataLoss ?? false,
        ),
      write: (prepared) => {
        registry.update(id, input, choices.runtime === undefined ? {} : { runtime: choices.runtime })
        return registry.setFrontend(id, prepared.instance.frontend ?? null)
      },
      what: `Update of plugin "${target.name}"`,
      refused: (error) => ({ success: false, message: `Update of plugin "${target.name}" (id ${id}) refused: ${errorMessage(error)}${keeps}`, kind: failureKind(error, "invalid-plugin") }),
      failed: (error) => ({ success: false, message: `Update of plugin "${target.name}" (id ${id}) failed: ${errorMessage(error)}${keeps}`, kind: failureKind(error, "internal") }),
      commit: async (prepared) => {
        await swapIn(parts, id, prepared, { from: target.version, to: input.version })
        const asks = permissionChange(target.permissions, input.permissions)
        parts.logger.info({ pluginId: id, plugin: input.name, from: target.version, to: input.version, table: prepared.plan?.action, addedPermissions: asks.permissions?.added }, "plugin updated")
        parts.activity.publish({ kind: "update", pluginId: id, plugin: input.name, from: target.version, to: input.version, addedPermissions: asks.permissions?.added ?? null })
        return { success: true, id, message: `Plugin updated successfully${permissionNote(asks)}`, ...asks }
      },
    })
  })
}

/**
 * A loaded plugin swaps to the stored version at once (calls in flight finish on the old one, which is
 * stopped in the background), then hears onUpdate and onLoad. One that is not serving still hears
 * onUpdate, its table being migrated already: the new version may move its data along.
 */
async function swapIn(parts: HandlerParts, id: number, prepared: PreparedVersion, change: { from: string; to: string }): Promise<void> {
  const current = parts.loaded.get(id)
  if (current) {
    parts.loaded.swap(prepared.entry)
    parts.queue.track(parts.lifecycle.dispose(current.instance))
    await parts.lifecycle.call(prepared.instance, "onUpdate", change)
    await parts.lifecycle.call(prepared.instance, "onLoad")
  } else {
    await parts.lifecycle.call(prepared.instance, "onUpdate", change)
    await prepared.instance.dispose()
  }
}
