import type { ResolveFailureKind } from "@dockstat/plugin-installer"
import type { PluginPermissions, RuntimeKind } from "@dockstat/plugin-schema"

/** Set on a successful update whose new version asks for permissions the installed one did not have. */
export interface PermissionChange {
  permissions?: { added: PluginPermissions }
}

/**
 * Why an install or update failed, each kind with one HTTP status (see the demo's install-status.ts):
 * - the installer's (ResolveFailureKind): `fetch`, `unreachable` (502), `parse`, `validation`, `integrity`
 *   (400), `forbidden-address` (403)
 * - `conflict` (409): a plugin of that name is installed already (install without update), another plugin
 *   has the name, or the table belongs to another plugin
 * - `invalid-plugin` (422): the code does not load (syntax, imports, shape, clashing routes) or its table
 *   change would lose data
 * - `not-found` (404): the plugin to update is gone
 * - `busy` (503, retry later): the database stayed locked by another connection
 * - `internal` (500): anything else (a database failure)
 */
export type InstallFailureKind = ResolveFailureKind | "conflict" | "invalid-plugin" | "not-found" | "busy" | "internal"

/** The seed's result objects: failures are expected outcomes, returned with a message, never thrown. */
export type SaveResult = ({ success: true; id: number; message: string } & PermissionChange) | { success: false; message: string; kind?: InstallFailureKind }
/** `kind` says why a delete failed: `not-found`, `busy` (the database is locked: try again) or `internal`. */
export type DeleteResult = { success: boolean; message: string; kind?: "not-found" | "busy" | "internal" | "validation" }
export type InstallResult = ({ success: true; id: number; message: string } & PermissionChange) | { success: false; message: string; kind: InstallFailureKind }

/** What `resignPlugins()` did: which old installs it signed with the host key, and which it left alone and why. */
export interface ResignResult {
  success: boolean
  message: string
  resigned: number[]
  skipped: { id: number; reason: string }[]
}

export interface LoadPluginsResult {
  successes: number[]
  errors: { pluginId: number; error: string }[]
  /** `loadAllPlugins()` and `start()`: installed plugins left unloaded on purpose (deactivated ones: "disabled"). */
  skipped?: { pluginId: number; reason: "disabled" }[]
}

/** Options of `installFromManifestLink` / `installFromFile`. */
export interface InstallOptions {
  /** Replace an installed plugin of the same name, keeping its id. */
  update?: boolean
  /**
   * The runtime the admin trusts this plugin with, stored with it and used by every load (unless a load
   * names another). Left out: the handler's choice (`pluginRuntimes`, `runtime`, else the sandbox); on
   * update, left out keeps the stored one. A manifest can never choose it.
   */
  runtime?: RuntimeKind
  /**
   * A new install only: whether hosts load it (default true). `false` stores it disabled, so neither a
   * restart nor another process following the registry starts it until it is activated.
   */
  enabled?: boolean
  /**
   * The `digest` of a `previewManifestLink` of the same link: the install is refused (kind `integrity`)
   * when the link now serves another name, version, permissions or code than the admin saw.
   */
  expectedDigest?: string
}
