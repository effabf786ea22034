import { PluginError, errorMessage, isPluginError } from "@dockstat/plugin-schema"
import type { ErrorCode } from "@dockstat/plugin-schema"

/**
 * Why a manifest could not be resolved:
 * - `fetch`: the server (or file system) answered, but not with a usable body (404, too large, redirect loop)
 * - `unreachable`: no answer at all (connection refused, DNS, timeout)
 * - `parse`: the bytes are not a JSON or YAML document (not UTF-8, empty, HTML, syntax error)
 * - `validation`: the document or the source is not an acceptable manifest
 * - `integrity`: the code does not match the manifest's `integrity`
 * - `forbidden-address`: a URL leads to an address the network policy refuses (link-local, metadata;
 *   loopback and private ranges unless `allowPrivateNetwork`)
 */
export type ResolveFailureKind = "fetch" | "unreachable" | "parse" | "validation" | "integrity" | "forbidden-address"

/** A failed resolution, as the installer returns it. */
export interface ResolveFailure {
  ok: false
  kind: ResolveFailureKind
  message: string
}

// The installer's failures are PluginErrors like every other package's, so a caller that rethrows one
// still gets a code and an HTTP status; the kind rides along in `data`.
const KIND_CODE: Record<ResolveFailureKind, ErrorCode> = {
  fetch: "UPSTREAM_FAILED",
  unreachable: "UPSTREAM_FAILED",
  parse: "INVALID_INPUT",
  validation: "INVALID_INPUT",
  integrity: "INVALID_PLUGIN",
  "forbidden-address": "INVALID_INPUT",
}

/** A PluginError that `toFailure` turns back into a failure of this kind. */
export function resolveError(kind: ResolveFailureKind, message: string, cause?: unknown): PluginError {
  return new PluginError(KIND_CODE[kind], message, cause === undefined ? { data: { kind } } : { data: { kind }, cause })
}

function isKind(value: unknown): value is ResolveFailureKind {
  return typeof value === "string" && Object.hasOwn(KIND_CODE, value)
}

/**
 * Anything thrown while resolving becomes a failure result. A PluginError without a kind is bad input
 * (`parseManifestText` throws INVALID_INPUT); anything else is unexpected and reported as a fetch failure
 * with its message, never rethrown.
 */
export function toFailure(error: unknown): ResolveFailure {
  if (isPluginError(error)) {
    const kind = error.data?.kind
    if (isKind(kind)) return { ok: false, kind, message: error.message }
    if (error.code === "INVALID_INPUT") return { ok: false, kind: "parse", message: error.message }
  }
  return { ok: false, kind: "fetch", message: `Unexpected error: ${errorMessage(error)}` }
}
