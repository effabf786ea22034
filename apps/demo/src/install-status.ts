import type { InstallResult } from "@dockstat/plugin-handler"

// Whose fault a failed install is: the manifest's (400), the plugin table's state (409), the server
// the manifest lives on (502), or a URL leading where this host does not fetch from (403: link-local,
// metadata, or a private network while that is off). An unknown kind is treated as bad input rather
// than our own failure.
const STATUS_BY_KIND: Record<string, number> = {
  parse: 400,
  validation: 400,
  integrity: 400,
  conflict: 409,
  fetch: 502,
  unreachable: 502,
  "forbidden-address": 403,
}

/** The HTTP status for an install result: 201 when it installed, else by the failure's kind. */
export function installStatus(result: InstallResult): 201 | 400 | 403 | 409 | 502 {
  if (result.success) return 201
  return (STATUS_BY_KIND[result.kind ?? ""] ?? 400) as 400 | 403 | 409 | 502
}
