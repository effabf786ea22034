import { addedPermissions, describePermissions, normalizePermissions } from "@dockstat/plugin-schema"

import type { PermissionsInput, PluginPermissions } from "@dockstat/plugin-schema"

import type { PermissionChange } from "./results.ts"

/** What an update adds to the permissions the installed version has: `{ permissions: { added } }`, or `{}`. */
export function permissionChange(installed: PluginPermissions, next: PermissionsInput | undefined): PermissionChange {
  const added = addedPermissions(installed, normalizePermissions(next))
  return added.network.length === 0 && added.env.length === 0 ? {} : { permissions: { added } }
}

/** The result message's note: `; it asks for new permissions: network api.example.com, env API_TOKEN`, or "". */
export function permissionNote(change: PermissionChange): string {
  return change.permissions ? `; it asks for new permissions: ${describePermissions(change.permissions.added)}` : ""
}
