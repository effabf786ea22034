import type { PluginPermissions, RuntimeKind } from "@dockstat/plugin-schema"

/** Set on a successful update whose new version asks for permissions the installed one did not have. */
export interface PermissionChange {
  permissions?: { added: PluginPermissions }
}

/** The seed's result objects: failures are expected outcomes, returned with a message, never thrown. */
export type SaveResult = ({ success: true; id: number; message: string } & PermissionChange) | { success: false; message: string }
export type DeleteResult = { success: boolean; message: string }
export type InstallResult = ({ success: true; id: number; message: string } & PermissionChange) | { success: false; message: string; kind?: string }

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
}
