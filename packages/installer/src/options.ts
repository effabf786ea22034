import { resolveError } from "./errors.ts"
import { systemLookup } from "./network-policy.ts"
import type { LookupAddresses } from "./network-policy.ts"

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
  /**
   * Fetch from loopback (127.0.0.0/8, ::1, 0.0.0.0/8), private (10/8, 172.16/12, 192.168/16, fc00::/7)
   * and CGNAT (100.64.0.0/10) addresses too. Default false: a URL given by a remote client must not reach
   * the host's own services or its LAN. Link-local addresses (169.254.0.0/16, fe80::/10) and cloud
   * metadata endpoints are refused either way.
   */
  allowPrivateNetwork?: boolean
  /** Resolves a host name to every address (default: `dns.lookup` with `all: true`); for tests. */
  lookup?: LookupAddresses
}

export type ResolvedOptions = Required<ResolveOptions>

/** The limits used for every option left out. */
export const DEFAULT_OPTIONS: Readonly<ResolvedOptions> = Object.freeze({
  timeoutMs: 5000,
  maxManifestBytes: 1024 * 1024,
  maxCodeBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
  allowPrivateNetwork: false,
  lookup: systemLookup,
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
    // Only `true` allows: a string "false" from a config file must not open the private network.
    allowPrivateNetwork: options.allowPrivateNetwork === true,
    lookup: options.lookup ?? DEFAULT_OPTIONS.lookup,
  }
}
