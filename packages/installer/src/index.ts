/**
 * @dockstat/plugin-installer: a plugin manifest from a URL or a file, fetched within limits, parsed
 * (JSON or YAML), validated, its code loaded and checked, ready for the store. See `resolveManifest`.
 */
export { SRI_ALGORITHMS, sriDigest } from "./sri-digest.ts"
export type { SriAlgorithm } from "./sri-digest.ts"
export { parseManifestText } from "./parse-manifest-text.ts"
export { redactCredentials } from "./location.ts"
export { classifyAddress } from "./address-scope.ts"
export { pinnedLookup } from "./network-policy.ts"
export type { AddressClass, AddressScope } from "./address-scope.ts"
export { resolveManifest } from "./resolve-manifest.ts"
export type { ResolveResult, ResolveSuccess } from "./resolve-manifest.ts"
export type { ResolveFailure, ResolveFailureKind } from "./errors.ts"
export type { ResolveOptions } from "./options.ts"
export type { LookupAddresses } from "./network-policy.ts"
export { DEFAULT_OPTIONS } from "./options.ts"
