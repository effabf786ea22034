import { formatZodError, manifestSchema } from "@dockstat/plugin-schema"
import type { Manifest, PluginInput } from "@dockstat/plugin-schema"
import { buildPluginInput } from "./build-plugin-input.ts"
import { resolveError, toFailure } from "./errors.ts"
import type { ResolveFailure } from "./errors.ts"
import { loadText } from "./load-resource.ts"
import type { LoadedText } from "./load-resource.ts"
import { describeLocation, parseSource, resolveReference } from "./location.ts"
import { isHtml } from "./manifest-format.ts"
import { resolveOptions } from "./options.ts"
import type { ResolveOptions, ResolvedOptions } from "./options.ts"
import { parseManifestText } from "./parse-manifest-text.ts"
import { sriAlgorithm, sriDigest } from "./sri-digest.ts"

/** A resolved manifest: the plugin ready for `savePlugin`, where it came from, and its code's digest. */
export interface ResolveSuccess {
  ok: true
  input: PluginInput
  /** The normalized source: the URL as given, or the absolute file path. */
  source: string
  /** `sha256-<base64>` of the code, computed here (the manifest's `integrity`, in whichever algorithm it names, is checked too). */
  integrity: string
}

export type ResolveResult = ResolveSuccess | ResolveFailure

const MANIFEST_ACCEPT = "application/json, application/yaml;q=0.9, text/yaml;q=0.9, text/plain;q=0.5, */*;q=0.1"
const CODE_ACCEPT = "text/javascript, application/javascript;q=0.9, text/plain;q=0.5, */*;q=0.1"

/**
 * Fetches, parses and validates a plugin manifest from an http(s) URL, a `file:` URL or a file path, loads
 * its code (inline or from `pluginUrl`), checks `integrity`, and fills in the defaults. Never throws:
 * every failure is `{ ok: false, kind, message }` with a message that names the problem.
 *
 * @example
 * const result = await resolveManifest("https://example.com/plugin/manifest.yaml", { timeoutMs: 3000 })
 * if (!result.ok) return { success: false, message: result.message }
 * store.save(result.input, result.integrity)
 */
export async function resolveManifest(source: string, options?: ResolveOptions): Promise<ResolveResult> {
  try {
    return await resolve(source, resolveOptions(options))
  } catch (error) {
    return toFailure(error)
  }
}

async function resolve(source: string, options: ResolvedOptions): Promise<ResolveSuccess> {
  const origin = parseSource(source)
  const loaded = await loadText(origin, {
    ...options,
    maxBytes: options.maxManifestBytes,
    accept: MANIFEST_ACCEPT,
    what: "the manifest",
    keepBom: false,
  })
  const hint = loaded.contentType === undefined
    ? { name: describeLocation(loaded.location) }
    : { name: describeLocation(loaded.location), contentType: loaded.contentType }
  const parsed = manifestSchema.safeParse(parseManifestText(loaded.text, hint))
  if (!parsed.success) throw resolveError("validation", formatZodError(parsed.error, "Invalid manifest"))
  const manifest = parsed.data
  const code = await loadCode(manifest, loaded, options)
  const integrity = sriDigest(code.text)
  if (manifest.integrity !== undefined) {
    // The schema admits sha256, sha384 and sha512; the digest is compared in the algorithm the manifest names.
    const actual = sriDigest(code.text, sriAlgorithm(manifest.integrity) ?? "sha256")
    if (manifest.integrity !== actual) {
      throw resolveError("integrity", `Integrity mismatch for ${code.from}: the manifest expects ${manifest.integrity} but the code hashes to ${actual}`)
    }
  }
  return { ok: true, input: buildPluginInput(manifest, code.text, origin), source: describeLocation(origin), integrity }
}

async function loadCode(manifest: Manifest, from: LoadedText, options: ResolvedOptions): Promise<{ text: string; from: string }> {
  if (manifest.plugin !== undefined) return { text: manifest.plugin, from: "the inline plugin code" }
  if (manifest.pluginUrl === undefined) throw resolveError("validation", "Invalid manifest: plugin: a manifest needs the code inline (plugin) or a pluginUrl")
  // Relative to where the manifest really came from, redirects included, as a browser resolves links.
  const location = resolveReference(manifest.pluginUrl, from.location, "pluginUrl")
  const where = describeLocation(location)
  const loaded = await loadText(location, {
    ...options,
    maxBytes: options.maxCodeBytes,
    accept: CODE_ACCEPT,
    what: "the plugin code",
    keepBom: true,
  })
  if (loaded.text.trim() === "") throw resolveError("parse", `The plugin code at ${where} is empty`)
  // isHtml skips leading whitespace, which includes a byte order mark.
  if (isHtml(loaded.text, undefined)) {
    throw resolveError("parse", `Got an HTML page, not JavaScript, for the plugin code at ${where}`)
  }
  return { text: loaded.text, from: `the plugin code at ${describeLocation(loaded.location)}` }
}
