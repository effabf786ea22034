import { existsSync } from "node:fs"
import { basename, dirname, isAbsolute, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { SDK_SPECIFIERS } from "@dockstat/plugin-loader"

import type { Message } from "esbuild"

/**
 * Imports a bundle leaves as they are: the host serves them to plugin code in every runtime (the SDK, the
 * seed's `@dockstat/sqlite-wrapper`, DockStat's `@dockstat/plugin-builder`). Node built-ins stay external too.
 */
export const BUNDLE_EXTERNALS: readonly string[] = [...new Set([...SDK_SPECIFIERS, "@dockstat/plugin-builder"])]

export interface BundleOptions {
  /** The plugin's source file (TypeScript or JavaScript): a path or a `file:` URL. */
  entry: string | URL
  /** The file name the code will have (it names the source map); default `plugin.js` beside the entry. */
  outfile?: string
  /** Write a source map beside the code and link it from its last line. Default true. */
  sourcemap?: boolean
}

export interface BundledPlugin {
  /** One ES module: the plugin and everything it imports, SDK imports left as they are. */
  code: string
  /** The source map (JSON), or null without `sourcemap`. Its sources are relative to the code's folder. */
  map: string | null
  /** Absolute paths of the files that went into the bundle (what a watcher watches). */
  inputs: string[]
  /** esbuild's warnings, each placed like an error. */
  warnings: BundleProblem[]
}

/** One problem esbuild found, at a place in the plugin's source: 1-based line and column (characters). */
export interface BundleProblem {
  text: string
  /** The file as esbuild names it: relative to the entry's folder's project, e.g. `src/index.ts`. */
  file: string | null
  line: number | null
  column: number | null
  lineText: string | null
}

/** The plugin's source does not build: each problem with its place in the source. */
export class PluginBuildError extends Error {
  readonly problems: readonly BundleProblem[]
  constructor(problems: readonly BundleProblem[]) {
    super(`The plugin does not build:\n${problems.map(describeProblem).join("\n")}`)
    this.name = "PluginBuildError"
    this.problems = problems
  }
}

/** `src/index.ts:3:9: Expected ";" but found "x"` (the place, when esbuild gave one). */
export function describeProblem(problem: BundleProblem): string {
  const place = problem.file === null ? "" : `${problem.file}${problem.line === null ? "" : `:${problem.line}:${problem.column ?? 1}`}: `
  return `${place}${problem.text}`
}

/**
 * Bundles a plugin's source into one ES module with esbuild, as `dockstat-plugins build` does: TypeScript
 * stripped, local imports and npm packages inlined, SDK imports (`BUNDLE_EXTERNALS`) and Node built-ins
 * left for the host to serve. Throws a PluginBuildError naming file, line and column of each problem.
 *
 * @example
 * const { code, map } = await bundlePlugin({ entry: "src/index.ts", outfile: "dist/plugin.js" })
 */
export async function bundlePlugin(options: BundleOptions): Promise<BundledPlugin> {
  const entry = typeof options.entry === "string" ? resolve(options.entry) : fileURLToPath(options.entry)
  const outfile = resolve(options.outfile ?? resolve(dirname(entry), "plugin.js"))
  const sourcemap = options.sourcemap ?? true
  // Files are named relative to the project (the folder of the nearest package.json), as a user sees them.
  const workingDir = projectDir(entry)
  let result
  try {
    result = await build({
      entryPoints: [entry],
      absWorkingDir: workingDir,
      outfile,
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      // QuickJS (the sandbox) runs ES2023; nothing here needs lowering below ES2022.
      target: "es2022",
      external: [...BUNDLE_EXTERNALS],
      sourcemap: sourcemap ? "linked" : false,
      metafile: true,
      legalComments: "none",
      charset: "utf8",
      logLevel: "silent",
    })
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors
    if (!Array.isArray(errors)) throw error
    throw new PluginBuildError(errors.map(toProblem))
  }
  const code = result.outputFiles.find((file) => file.path === outfile)
  if (code === undefined) throw new Error(`esbuild wrote no ${basename(outfile)} for ${entry}`)
  const map = result.outputFiles.find((file) => file.path === `${outfile}.map`)
  const inputs = Object.keys(result.metafile.inputs).map((input) => (isAbsolute(input) ? input : resolve(workingDir, input)))
  return { code: code.text, map: map?.text ?? null, inputs, warnings: result.warnings.map(toProblem) }
}

function toProblem(message: Message): BundleProblem {
  const location = message.location
  if (!location) return { text: message.text, file: null, line: null, column: null, lineText: null }
  // esbuild counts columns from 0 in UTF-8 bytes; an editor counts characters from 1.
  const column = Buffer.from(location.lineText).subarray(0, location.column).toString().length + 1
  return { text: message.text, file: location.file, line: location.line, column, lineText: location.lineText }
}

/** The folder of the nearest package.json above `file`, else the file's own folder. */
function projectDir(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir
    if (dirname(dir) === dir) return dirname(file)
  }
}
