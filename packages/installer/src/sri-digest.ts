import { createHash } from "node:crypto"

/** The digests a manifest's `integrity` may name, as Subresource Integrity defines them. */
export const SRI_ALGORITHMS = ["sha256", "sha384", "sha512"] as const
export type SriAlgorithm = (typeof SRI_ALGORITHMS)[number]

/**
 * The Subresource Integrity digest of plugin code: the algorithm, `-` and the base64 of the digest of its
 * UTF-8 bytes, the form a manifest's `integrity` uses (`openssl dgst -sha384 -binary code.js | openssl base64`).
 *
 * @example
 * sriDigest("") // "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
 * sriDigest("", "sha384") // "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"
 */
export function sriDigest(code: string, algorithm: SriAlgorithm = "sha256"): string {
  return `${algorithm}-${createHash(algorithm).update(code, "utf8").digest("base64")}`
}

/** The algorithm an SRI string names (`sha384-...` -> "sha384"), or undefined when it names none of ours. */
export function sriAlgorithm(integrity: string): SriAlgorithm | undefined {
  const name = integrity.slice(0, integrity.indexOf("-"))
  return (SRI_ALGORITHMS as readonly string[]).includes(name) ? (name as SriAlgorithm) : undefined
}
