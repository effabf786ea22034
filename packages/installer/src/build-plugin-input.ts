import { dirname } from "node:path"
import { formatZodError, pluginInputSchema } from "@dockstat/plugin-schema"
import type { Manifest, PluginInput } from "@dockstat/plugin-schema"
import { resolveError } from "./errors.ts"
import { describeLocation } from "./location.ts"
import type { Location } from "./location.ts"
import { inferRepoType } from "./repo-type.ts"

/** The directory a manifest sits in: `https://host/a/manifest.json` -> `https://host/a/`; a path's dirname. */
export function directoryOf(location: Location): string {
  // Resolving "." drops the file name, the query and the fragment.
  return location.kind === "http" ? new URL(".", location.url).href : dirname(location.path)
}

/**
 * Turns a validated manifest and its code into what `savePlugin` stores, filling what the manifest left
 * out from where it came from: `manifest` (the source), `repository` (the source's directory), `repoType`
 * and `author` (`{}`). `source` is where the user pointed, not where redirects ended, so a later update
 * check fetches the same address.
 */
export function buildPluginInput(manifest: Manifest, code: string, source: Location): PluginInput {
  // pluginUrl and integrity are how the code was found and checked, not part of the stored plugin.
  const { plugin: _inline, pluginUrl: _url, integrity: _integrity, ...metadata } = manifest
  const repository = metadata.repository ?? directoryOf(source)
  const candidate = {
    ...metadata,
    manifest: metadata.manifest ?? describeLocation(source),
    repository,
    repoType: metadata.repoType ?? inferRepoType(metadata.repository, source),
    author: metadata.author ?? {},
    plugin: code,
  }
  const parsed = pluginInputSchema.safeParse(candidate)
  if (!parsed.success) throw resolveError("validation", formatZodError(parsed.error, "Invalid plugin"))
  return parsed.data
}
