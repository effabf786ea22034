import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { bundlePlugin, sriDigest } from "@dockstat/plugin-handler/build"

import type { BundleProblem } from "@dockstat/plugin-handler/build"

import type { PluginProject } from "./plugin-project.ts"

export const CODE_FILE = "plugin.js"
export const MANIFEST_FILE = "manifest.json"

export interface BuildOptions {
  /** Put the code into the manifest (`plugin`) instead of beside it (`pluginUrl`). */
  inline?: boolean
}

export interface BuiltPlugin {
  manifestPath: string
  codePath: string
  code: string
  /** The source map of the code (JSON): sources relative to dist/. */
  map: string
  /** `sha384-<base64>` of the code, as the manifest's integrity. */
  integrity: string
  /** The files the bundle was made of (what dev watches). */
  inputs: string[]
  warnings: BundleProblem[]
}

/**
 * Bundles the project and writes dist/: plugin.js (one ES module, SDK imports left for the host),
 * plugin.js.map, and manifest.json (name, version, description, permissions, the code by `pluginUrl` or
 * inline, and its sha384 integrity), which `dockstat-plugins install` takes as a file or a URL.
 * Throws a PluginBuildError (file:line:col of each problem) and then leaves dist/ as it was.
 */
export async function buildProject(project: PluginProject, options: BuildOptions = {}): Promise<BuiltPlugin> {
  const codePath = join(project.distDir, CODE_FILE)
  const bundled = await bundlePlugin({ entry: project.entry, outfile: codePath })
  const code = bundled.code
  const map = bundled.map ?? "{}"
  const integrity = sriDigest(code, "sha384")
  const manifest = {
    name: project.name,
    version: project.version,
    ...(project.description === undefined ? {} : { description: project.description }),
    permissions: project.permissions,
    ...(options.inline ? { plugin: code } : { pluginUrl: `./${CODE_FILE}` }),
    integrity,
  }
  mkdirSync(project.distDir, { recursive: true })
  // A manifest that names code beside it goes last, so a reader never finds one pointing at older code.
  const manifestPath = join(project.distDir, MANIFEST_FILE)
  if (options.inline) rmSync(codePath, { force: true })
  else writeFileSync(codePath, code)
  writeFileSync(`${codePath}.map`, map)
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  return { manifestPath, codePath, code, map, integrity, inputs: bundled.inputs, warnings: bundled.warnings }
}
