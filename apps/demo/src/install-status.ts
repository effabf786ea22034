import type { DeleteResult, InstallFailureKind, InstallResult } from "@dockstat/plugin-handler"

export type InstallStatus = 201 | 400 | 403 | 404 | 409 | 422 | 500 | 502 | 503

// Whose fault a failed install is: the manifest's (400), the plugin code's (422), the installed plugins'
// (409: the name or table is taken), the server the manifest lives on (502), a URL leading where this
// host does not fetch from (403: link-local, metadata, or a private network while that is off), a
// database another connection keeps locked (503, try again), or ours (500). `satisfies Record<...>`:
// a new kind does not compile until it has a status here.
const STATUS_BY_KIND = {
  parse: 400,
  validation: 400,
  integrity: 400,
  "forbidden-address": 403,
  "not-found": 404,
  conflict: 409,
  "invalid-plugin": 422,
  internal: 500,
  fetch: 502,
  unreachable: 502,
  busy: 503,
} as const satisfies Record<InstallFailureKind, InstallStatus>

/** Seconds a client waits before trying again when the database was busy. */
const RETRY_AFTER_SECONDS = "1"

/** The HTTP status for an install result: 201 when it installed, else by the failure's kind. */
export function installStatus(result: InstallResult): InstallStatus {
  if (result.success) return 201
  // `kind` is typed, but a result may come from elsewhere (JSON): an unknown kind is our failure.
  return STATUS_BY_KIND[result.kind] ?? 500
}

/** Extra headers of an install or delete answer: `Retry-After` when the database was busy. */
export function retryHeaders(result: InstallResult | DeleteResult): Record<string, string> | undefined {
  return !result.success && result.kind === "busy" ? { "Retry-After": RETRY_AFTER_SECONDS } : undefined
}

/** The HTTP status of a delete of a plugin that existed a moment ago: a failure is the database's. */
export function deleteStatus(result: DeleteResult): 200 | 400 | 404 | 500 | 503 {
  if (result.success) return 200
  switch (result.kind) {
    case "validation":
      return 400
    case "not-found":
      return 404
    case "busy":
      return 503
    default:
      return 500
  }
}
