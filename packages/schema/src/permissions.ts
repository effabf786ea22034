import { z } from "zod"

/**
 * What a plugin declares it may reach: `network` hosts (`host` or `host:port`) its `fetch` may call and
 * `env` host environment variable names it receives as `ctx.env`. Stored normalized: lowercase hosts,
 * no duplicates, sorted. Enforcement is the runtime's; this is the declaration.
 */
export interface PluginPermissions {
  network: string[]
  env: string[]
}

/** What a manifest or `savePlugin` may give: either list may be left out. */
export interface PermissionsInput {
  network?: string[] | undefined
  env?: string[] | undefined
}

/** Environment variable names as POSIX shells accept them. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const PORT = /^[1-9][0-9]{0,4}$/
const MAX_ENTRIES = 256

/** Why `entry` is not a host or host:port, or null when it is one. `entry` is already lowercase. */
function networkProblem(entry: string): string | null {
  if (entry.includes("://")) return "drop the scheme: give the host only"
  if (/[/?#@\s]/.test(entry)) return "a host or host:port only: no path, query, credentials or spaces"
  if (entry.includes("*")) return "wildcards are not supported: list each host"
  let host = entry
  let port: string | undefined
  const bracket = /^(\[[^\]]*\])(?::(.*))?$/.exec(entry)
  if (bracket) {
    host = bracket[1] as string
    port = bracket[2]
  } else if (entry.includes(":")) {
    const at = entry.lastIndexOf(":")
    host = entry.slice(0, at)
    port = entry.slice(at + 1)
    if (host.includes(":")) return "an IPv6 address goes in brackets: [::1] or [::1]:8080"
  }
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535)) return `port must be a number from 1 to 65535, got "${port}"`
  if (bracket) return ipv6Canonical(host) === null ? "not a valid IPv6 address" : null
  if (host.length === 0 || host.length > 253) return "a hostname has 1 to 253 characters"
  if (!host.split(".").every((label) => LABEL.test(label))) {
    return /[^\x00-\x7f]/.test(host)
      ? "write an internationalized name in its ASCII (xn--) form"
      : "a hostname is dot-separated labels of letters, digits and '-' (not at a label's start or end)"
  }
  return null
}

/** `[0:0::1]` -> `[::1]`, as URL parsing (and so fetch) writes it; null for no IPv6 address. */
function ipv6Canonical(bracketed: string): string | null {
  try {
    const host = new URL(`http://${bracketed}/`).hostname
    return host.startsWith("[") ? host : null
  } catch {
    return null
  }
}

function normalizeNetwork(entry: string): string {
  const bracket = /^(\[[0-9a-f:.]+\])(:.*)?$/.exec(entry)
  return bracket ? `${ipv6Canonical(bracket[1] as string)}${bracket[2] ?? ""}` : entry
}

const networkEntry = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .superRefine((value, ctx) => {
    const problem = networkProblem(value)
    if (problem) ctx.addIssue({ code: "custom", message: `"${value}" is not a hostname or host:port: ${problem}` })
  })
  .transform(normalizeNetwork)

const envEntry = z.string().superRefine((value, ctx) => {
  if (!ENV_NAME.test(value)) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not an environment variable name (a letter or _, then letters, digits or _)` })
  }
})

const unique = (values: readonly string[]) => [...new Set(values)].sort()

/**
 * `permissions` of a manifest or `savePlugin` input. Unknown keys are refused (a typo such as `envs`
 * must not silently grant nothing); the output is always both lists, normalized.
 */
export const permissionsSchema = z
  .strictObject({
    network: z.array(networkEntry).max(MAX_ENTRIES, `at most ${MAX_ENTRIES} hosts`).optional(),
    env: z.array(envEntry).max(MAX_ENTRIES, `at most ${MAX_ENTRIES} names`).optional(),
  })
  .transform((value): PluginPermissions => ({ network: unique(value.network ?? []), env: unique(value.env ?? []) }))

/**
 * Validated, normalized permissions; none when `input` is undefined. Throws a ZodError for invalid input
 * (callers validate first; this is the store's last line).
 */
export function normalizePermissions(input: PermissionsInput | undefined): PluginPermissions {
  return input === undefined ? { network: [], env: [] } : permissionsSchema.parse(input)
}

/** What `after` asks for that `before` did not grant. */
export function addedPermissions(before: PluginPermissions, after: PluginPermissions): PluginPermissions {
  const granted = { network: new Set(before.network), env: new Set(before.env) }
  return {
    network: after.network.filter((host) => !granted.network.has(host)),
    env: after.env.filter((name) => !granted.env.has(name)),
  }
}

/** `network api.example.com, env API_TOKEN` (each entry with its kind), or "none". */
export function describePermissions(permissions: PluginPermissions): string {
  const parts = [...permissions.network.map((host) => `network ${host}`), ...permissions.env.map((name) => `env ${name}`)]
  return parts.length > 0 ? parts.join(", ") : "none"
}
