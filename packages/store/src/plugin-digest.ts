import { createHash, createHmac, createSecretKey, timingSafeEqual } from "node:crypto"

import type { PluginPermissions } from "@dockstat/plugin-schema"

const PREFIX = "hmac-sha256:"
const LEGACY = /^[0-9a-f]{64}$/

/** What a digest covers: whoever changes any of these in the database file must also know the key. */
export interface SignedFields {
  name: string
  plugin: string
  permissions: PluginPermissions
  /**
   * The runtime an admin chose (null or missing: the handler's default). Signed when set, so a row
   * rewritten to trust a plugin with a runtime it was not given is refused; rows without one sign as before.
   */
  runtime?: string | null
}

/**
 * "valid": signed by this host's key. "unkeyed": the plain sha256 of the code that installs from before
 * keyed digests stored (re-sign them to trust them). "invalid": anything else.
 */
export type DigestCheck = "valid" | "unkeyed" | "invalid"

export interface PluginSigner {
  sign(fields: SignedFields): string
  check(fields: SignedFields & { digest: string }): DigestCheck
}

/** The unkeyed sha256 (hex) of code: what installs stored before digests were keyed. */
export function codeDigest(code: string): string {
  return createHash("sha256").update(code).digest("hex")
}

function strings(list: unknown): boolean {
  if (!Array.isArray(list)) return false
  for (let index = 0; index < list.length; index++) if (typeof list[index] !== "string") return false
  return true
}

/**
 * The stored arrays as they are, in their stored order: a reordered, widened or malformed permissions
 * value no longer matches what was signed. Anything that is not two lists of strings signs as null.
 */
function canonicalPermissions(permissions: unknown): unknown {
  const value = permissions as Partial<PluginPermissions> | null
  if (value === null || typeof value !== "object" || !strings(value.network) || !strings(value.env)) return null
  return { network: value.network, env: value.env }
}

/**
 * HMAC-SHA256 over the plugin's name, permissions and code under the host key. The key lives only in
 * this closure: not on any object a caller or a log line could reach.
 */
export function createPluginSigner(key: Uint8Array): PluginSigner {
  // A KeyObject: each HMAC uses it as is (a Buffer key is imported again on every call).
  const secret = createSecretKey(Buffer.from(key))
  // No spread: a start checks 1000 digests.
  const mac = (fields: SignedFields) => {
    const permissions = canonicalPermissions(fields.permissions)
    const signed = fields.runtime == null ? ["dockstat-plugin/1", fields.name, permissions, fields.plugin] : ["dockstat-plugin/1", fields.name, permissions, fields.plugin, fields.runtime]
    return createHmac("sha256", secret).update(JSON.stringify(signed)).digest()
  }
  return {
    sign: (fields) => `${PREFIX}${mac(fields).toString("hex")}`,
    check(fields) {
      const { digest } = fields
      if (digest.startsWith(PREFIX)) {
        const stored = Buffer.from(digest.slice(PREFIX.length), "hex")
        const expected = mac(fields)
        return stored.length === expected.length && timingSafeEqual(stored, expected) ? "valid" : "invalid"
      }
      return LEGACY.test(digest) && digest === codeDigest(fields.plugin) ? "unkeyed" : "invalid"
    },
  }
}
