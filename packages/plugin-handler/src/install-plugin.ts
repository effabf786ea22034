import { RUNTIME_KINDS, errorMessage, isRuntimeKind } from "@dockstat/plugin-schema"
import { resolveManifest } from "@dockstat/plugin-installer"

import type { RuntimeKind } from "@dockstat/plugin-schema"
import type { ResolveOptions } from "@dockstat/plugin-installer"

import { applyVersion } from "./apply-version.ts"
import type { HandlerParts } from "./handler-parts.ts"
import { failureKind } from "./install-failure.ts"
import { permissionNote } from "./permission-change.ts"
import { candidateRow, prepareVersion } from "./prepared-version.ts"
import { previewDigest } from "./preview-plugin.ts"
import type { InstallOptions, InstallResult } from "./results.ts"
import { updatePlugin } from "./update-plugin.ts"


/**
 * Installs (or, with `update`, replaces) a plugin from a manifest. The code is loaded once, in the runtime
 * it will run in, and its table planned before anything is stored: a plugin that cannot load is not stored.
 */
export async function installPlugin(parts: HandlerParts, url: string, options: InstallOptions, resolveOptions: ResolveOptions | undefined): Promise<InstallResult> {
  if (options.runtime !== undefined && !isRuntimeKind(options.runtime)) {
    return { success: false, message: `runtime must be one of ${RUNTIME_KINDS.join(", ")}, got ${JSON.stringify(options.runtime)}`, kind: "validation" }
  }
  const choices = options.runtime === undefined ? {} : { runtime: options.runtime }
  if (typeof url !== "string" || url.trim() === "") return { success: false, message: "installFromManifestLink needs a manifest URL or file path", kind: "validation" }
  const resolved = await resolveManifest(url, resolveOptions)
  if (!resolved.ok) return { success: false, message: resolved.message, kind: resolved.kind }
  const input = resolved.input
  if (options.expectedDigest !== undefined && previewDigest(input) !== options.expectedDigest) {
    return { success: false, message: `${resolved.source} now serves something other than what was previewed (its name, version, permissions or code changed); preview it again`, kind: "integrity" }
  }
  const existing = parts.registry.findByName(input.name)
  if (existing) {
    if (!options.update) {
      return { success: false, message: `A plugin named "${input.name}" is already installed (id ${existing.id}); install with update to replace it`, kind: "conflict" }
    }
    const updated = await updatePlugin(parts, { ...input, id: existing.id }, choices)
    if (!updated.success) return { success: false, message: updated.message, kind: updated.kind ?? "internal" }
    const change = updated.permissions ? { permissions: updated.permissions } : {}
    return { success: true, id: existing.id, message: `Updated ${input.name} to ${input.version} from ${resolved.source}${permissionNote(change)}`, ...change }
  }

  const failed = (error: unknown): InstallResult => ({ success: false, message: `Could not install plugin "${input.name}": ${errorMessage(error)}`, kind: failureKind(error, "internal") })
  return applyVersion<number, InstallResult>(parts.db, {
    prepare: () => prepareVersion(candidateRow(input, 0, parts.db.signer, undefined, options.runtime ?? null), parts.loadOptions(input.name, { runtime: options.runtime }), input.allowDataLoss ?? false),
    write: (prepared) => {
      const id = parts.registry.insert(input, options.enabled === false ? { ...choices, enabled: false } : choices)
      parts.registry.setFrontend(id, prepared.instance.frontend ?? null)
      return id
    },
    what: `Install of plugin "${input.name}"`,
    refused: (error) => ({ success: false, message: `Plugin "${input.name}" from ${resolved.source} cannot be installed: ${errorMessage(error)}`, kind: failureKind(error, "invalid-plugin") }),
    failed,
    // Stored: onInstall runs in the version that was checked, which then stops; a load starts it for real.
    commit: async (prepared, id) => {
      try {
        parts.logger.info({ pluginId: id, plugin: input.name, source: resolved.source }, "plugin installed")
        parts.activity.publish({ kind: "install", pluginId: id, plugin: input.name, version: input.version, source: resolved.source })
        await parts.lifecycle.call(prepared.instance, "onInstall", { plugin: { id, name: input.name, version: input.version } })
        return { success: true, id, message: `Installed ${input.name}@${input.version} from ${resolved.source}` }
      } catch (error) {
        return failed(error)
      } finally {
        await prepared.instance.dispose()
      }
    },
  })
}
