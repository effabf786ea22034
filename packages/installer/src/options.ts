import { resolveError } from "./errors.ts"

/** Limits for `resolveManifest`; every one has a safe default. */
export interface ResolveOptions {
  /** Deadline for fetching one resource (manifest or code), redirects and body included. Default 5000. */
  timeoutMs?: number
  /** Largest manifest accepted, in bytes. Default 1 MiB. */
  maxManifestBytes?: number
  /** Largest plugin code accepted, in bytes. Default 5 MiB. */
  maxCodeBytes?: number
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number
}

export type ResolvedOptions = Required<ResolveOptions>

/** The limits used for every option left out. */
export const DEFAULT_OPTIONS: Readonly<ResolvedOptions> = Object.freeze({
  timeoutMs: 5000,
  maxManifestBytes: 1024 * 1024,
  maxCodeBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
})

function check(name: keyof ResolveOptions, value: number, min: number): number {
  // A NaN or negative limit would silently disable the check it configures.
  if (!Number.isInteger(value) || value < min) {
    throw resolveError("validation", `Option ${name} must be an integer >= ${min}, got ${String(value)}`)
  }
  return value
}

/** Fills in the defaults and refuses limits that would switch a check off. */
export function resolveOptions(options: ResolveOptions = {}): ResolvedOptions {
  return {
    timeoutMs: check("timeoutMs", options.timeoutMs ?? DEFAULT_OPTIONS.timeoutMs, 1),
    maxManifestBytes: check("maxManifestBytes", options.maxManifestBytes ?? DEFAULT_OPTIONS.maxManifestBytes, 1),
    maxCodeBytes: check("maxCodeBytes", options.maxCodeBytes ?? DEFAULT_OPTIONS.maxCodeBytes, 1),
    maxRedirects: check("maxRedirects", options.maxRedirects ?? DEFAULT_OPTIONS.maxRedirects, 0),
  }
}
