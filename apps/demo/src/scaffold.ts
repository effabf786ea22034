import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from "node:fs"
import { basename, dirname, join, relative, resolve } from "node:path"

import { CliError, usageError } from "./cli-error.ts"
import { DEMO_ROOT } from "./config.ts"
import { GITIGNORE, PNPM_WORKSPACE, TSCONFIG, VITEST_CONFIG, indexTestTs, indexTs, packageJson, readme } from "./scaffold-templates.ts"
import type { TemplateValues } from "./scaffold-templates.ts"

/** A new project's name: an npm package name (lowercase, no scope) that is also a plugin name. */
const PROJECT_NAME = /^[a-z0-9][a-z0-9._-]{0,49}$/

export interface ScaffoldResult {
  dir: string
  files: string[]
}

/**
 * Writes a plugin project into `dir` (which must not exist, or be empty): package.json (scripts build,
 * dev, test, typecheck; the SDK and the CLI linked from this workspace), pnpm-workspace.yaml,
 * tsconfig.json, vitest.config.ts, .gitignore, README.md, src/index.ts and src/index.test.ts.
 */
export function scaffoldPlugin(name: string, dir: string): ScaffoldResult {
  if (!PROJECT_NAME.test(name)) {
    throw usageError(`A plugin name is 1-50 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (it is the npm package name too), got ${JSON.stringify(name)}`)
  }
  const target = realPath(resolve(dir))
  if (existsSync(target) && !statSync(target).isDirectory()) throw new CliError(`${target} is a file; choose another --dir`)
  if (existsSync(target) && readdirSync(target).length > 0) throw new CliError(`${target} already exists and is not empty; choose another --dir`)

  const values: TemplateValues = {
    name,
    table: tableName(name),
    sdk: linkTo(target, workspacePackage("@dockstat/plugin-handler")),
    cli: linkTo(target, realpathSync(DEMO_ROOT)),
    versions: {
      typescript: toolVersion("typescript"),
      vitest: toolVersion("vitest"),
      typesNode: toolVersion("@types/node"),
    },
  }
  const files: Record<string, string> = {
    "package.json": packageJson(values),
    "pnpm-workspace.yaml": PNPM_WORKSPACE,
    "tsconfig.json": TSCONFIG,
    "vitest.config.ts": VITEST_CONFIG,
    ".gitignore": GITIGNORE,
    "README.md": readme(values),
    "src/index.ts": indexTs(values),
    "src/index.test.ts": indexTestTs(values),
  }
  for (const [file, text] of Object.entries(files)) {
    const path = join(target, file)
    mkdirSync(dirname(path), { recursive: true })
    // "wx": never overwrite, even a file that appeared since the check above.
    writeFileSync(path, text, { flag: "wx" })
  }
  return { dir: target, files: Object.keys(files) }
}

/** `my-plugin` -> `my_plugin_events`: a SQL identifier of the plugin's own. */
export function tableName(name: string): string {
  const base = name.replace(/[^A-Za-z0-9_]/g, "_")
  return `${/^[0-9]/.test(base) ? `p_${base}` : base}_events`
}

/** The real folder of a workspace package the demo depends on. */
function workspacePackage(name: string): string {
  const link = join(DEMO_ROOT, "node_modules", ...name.split("/"))
  if (!existsSync(link)) throw new CliError(`${name} is not installed in ${DEMO_ROOT}; run pnpm install in the workspace first`)
  return realpathSync(link)
}

/** The version of a tool the workspace root has installed: the pnpm store holds it, so installs work offline. */
function toolVersion(name: string): string {
  const file = join(DEMO_ROOT, "..", "..", "node_modules", ...name.split("/"), "package.json")
  if (!existsSync(file)) throw new CliError(`${name} is not installed in the workspace; run pnpm install in the workspace first`)
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version
}

/** `path` with its existing part resolved through symlinks, so relative links are computed between real folders. */
function realPath(path: string): string {
  if (existsSync(path)) return realpathSync(path)
  const parent = dirname(path)
  return parent === path ? path : join(realPath(parent), basename(path))
}

/** `link:` and the path from the project to `target`, relative so the two can move together. */
function linkTo(project: string, target: string): string {
  const path = relative(project, target).split("\\").join("/")
  return `link:${path === "" ? "." : path}`
}
