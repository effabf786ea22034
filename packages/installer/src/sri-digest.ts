import { createHash } from "node:crypto"

/**
 * The Subresource Integrity digest of plugin code: `sha256-` and the base64 of the SHA-256 of its UTF-8
 * bytes, the form a manifest's `integrity` uses (`openssl dgst -sha256 -binary code.js | openssl base64`).
 *
 * @example
 * sriDigest("") // "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
 */
export function sriDigest(code: string): string {
  return `sha256-${createHash("sha256").update(code, "utf8").digest("base64")}`
}
