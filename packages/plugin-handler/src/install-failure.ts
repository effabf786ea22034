import { isPluginError } from "@dockstat/plugin-schema"
import { isBusyError } from "@dockstat/plugin-store"

import type { InstallFailureKind } from "./results.ts"

/**
 * The kind of a failed install or update step, from the error it threw: a busy database (even wrapped)
 * is `busy`, a name or table that belongs to someone else `conflict`, code that does not load or a table
 * change that would lose data `invalid-plugin`; anything else is the caller's `fallback`.
 */
export function failureKind(error: unknown, fallback: InstallFailureKind): InstallFailureKind {
  if (isBusyError(error) || isBusyError((error as { cause?: unknown } | null)?.cause)) return "busy"
  // Two installs of one name racing: the second one's insert breaks the unique name.
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT_UNIQUE")) return "conflict"
  if (!isPluginError(error)) return fallback
  switch (error.code) {
    case "CONFLICT":
    case "UNIQUE_VIOLATION":
      return "conflict"
    case "LOAD_FAILED":
    case "INVALID_PLUGIN":
    case "INVALID_INPUT":
    case "ROUTE_NOT_FOUND":
      return "invalid-plugin"
    default:
      return fallback
  }
}
