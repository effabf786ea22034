import { createHash } from "node:crypto"
import { addedPermissions, errorMessage, normalizePermissions } from "@dockstat/plugin-schema"
import { resolveManifest } from "@dockstat/plugin-installer"

import type { PluginInput, PluginPermissions, RuntimeKind } from "@dockstat/plugin-schema"
import type { ResolveOptions } from "@dockstat/plugin-installer"
import type { TableAction } from "@dockstat/plugin-store"

import type { HandlerParts } from "./handler-parts.ts"
import { failureKind } from "./install-failure.ts"
import { candidateRow, prepareVersion } from "./prepared-version.ts"
import type { InstallFailureKind } from "./results.ts"

/** What `previewManifestLink` found at a link: the plugin as it would be installed, and what it would change. */
export interface PreviewSuccess {
  success: true
  message: string
  /**
   * `sha256-<base64>` over the name, version, permissions and code: pass it as `expectedDigest` to the
   * install, which then refuses a link that serves something else by then.
   */
  digest: string
  /** Where the manifest came from (the URL as given, or the absolute path). */
  source: string
  /** `sha256-<base64>` of the code. */
  integrity: string
  plugin: { name: string; version: string; description: string | null; author: Record<string, unknown>; repository: string; manifest: string; tags: string[] }
  /** What the plugin asks to reach (normalized). */
  permissions: PluginPermissions
  /** The runtime it would run in (the admin's choice, else the stored or configured one, else the sandbox). */
  runtime: RuntimeKind
  /** Its routes (`GET /status`, `GET, DELETE /items/:id`) and hook names. */
  routes: string[]
  hooks: string[]
  /**
   * Its table and what installing would do to it (`created`, `migrated`, `unchanged`), or null.
   * `dataLoss` lists the changes that lose rows or columns, which the manifest's `allowDataLoss` lets
   * through (empty: rows are kept).
   */
  table: { name: string; action: TableAction; dataLoss: string[] } | null
  /** The installed plugin of that name, when there is one: installing the link updates it. */
  installed: { id: number; version: string; enabled: boolean; loaded: boolean; permissions: PluginPermissions; runtime: RuntimeKind | null } | null
  /** For an update: the version change and the permissions the new version asks for that the installed one did not have. */
  change: { from: string; to: string; addedPermissions: PluginPermissions } | null
}

export type PreviewResult = PreviewSuccess | { success: false; message: string; kind: InstallFailureKind }

/** A fingerprint of what an admin sees in a preview and consents to: name, version, permissions, code, data loss allowed. */
export function previewDigest(input: PluginInput): string {
  const permissions = normalizePermissions(input.permissions)
  const hash = createHash("sha256").update(JSON.stringify([input.name, input.version, permissions.network, permissions.env, input.plugin, input.allowDataLoss === true]))
  return `sha256-${hash.digest("base64")}`
}

/**
 * Everything an install checks, without storing anything: fetches and validates the manifest, loads the
 * code once in the runtime it would run in (imports, shape, routes, hooks) and plans its table
 * (ownership, data loss), then releases it. Says what the plugin asks for and, for an installed plugin
 * of that name, the version change and the permissions it adds.
 */
export async function previewPlugin(parts: HandlerParts, url: string, options: { runtime?: RuntimeKind }, resolveOptions: ResolveOptions | undefined): Promise<PreviewResult> {
  if (typeof url !== "string" || url.trim() === "") return { success: false, message: "previewManifestLink needs a manifest URL or file path", kind: "validation" }
  const resolved = await resolveManifest(url, resolveOptions)
  if (!resolved.ok) return { success: false, message: resolved.message, kind: resolved.kind }
  const input = resolved.input
  const existing = parts.registry.findByName(input.name)
  const running = existing ? parts.loaded.get(existing.id) : undefined
  // Code from a link nobody has agreed to yet runs in the sandbox, whatever runtime the installed plugin
  // of that name was trusted with: the admin's trust was for the code they installed. `runtime` asks for
  // another one explicitly.
  const runtime = options.runtime ?? "sandbox"
  const load = parts.loadOptions(input.name, { runtime })
  let prepared
  try {
    prepared = await prepareVersion(candidateRow(input, 0, parts.db.signer, undefined, runtime), load, input.allowDataLoss ?? false)
  } catch (error) {
    const trusted = options.runtime === undefined && (running?.instance.runtime ?? existing?.runtime ?? "sandbox") !== "sandbox"
    const hint = trusted ? ` (previewed in the sandbox; the installed version runs in ${running?.instance.runtime ?? existing?.runtime}: pass runtime to preview there)` : ""
    return { success: false, message: `Plugin "${input.name}" from ${resolved.source} cannot be installed: ${errorMessage(error)}${hint}`, kind: failureKind(error, "invalid-plugin") }
  }
  try {
    const { instance, plan } = prepared
    const permissions = normalizePermissions(input.permissions)
    const change = existing ? { from: existing.version, to: input.version, addedPermissions: addedPermissions(existing.permissions, permissions) } : null
    return {
      success: true,
      message: existing ? `${input.name} ${existing.version} is installed (id ${existing.id}); this link has ${input.version}` : `${input.name}@${input.version} can be installed`,
      digest: previewDigest(input),
      source: resolved.source,
      integrity: resolved.integrity,
      plugin: {
        name: input.name,
        version: input.version,
        description: input.description ?? null,
        author: input.author,
        repository: input.repository,
        manifest: input.manifest,
        tags: input.tags ?? [],
      },
      permissions,
      runtime: instance.runtime,
      routes: instance.routes.map((route) => `${route.methods.join(", ")} ${route.path}`),
      hooks: [...instance.hooks],
      table: plan ? { name: plan.tableName, action: plan.action, dataLoss: [...plan.dataLoss] } : null,
      installed: existing
        ? { id: existing.id, version: existing.version, enabled: existing.enabled, loaded: running !== undefined, permissions: existing.permissions, runtime: existing.runtime }
        : null,
      change,
    }
  } finally {
    await prepared.instance.dispose()
  }
}
