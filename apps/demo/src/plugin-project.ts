import { existsSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"

import { CliError } from "./cli-error.ts"

/** A plugin project on disk, as `dockstat-plugins new` writes it and `build` and `dev` read it. */
export interface PluginProject {
  /** Absolute path of the project folder. */
  dir: string
  name: string
  version: string
  description?: string
  /** From package.json's `dockstat.permissions` (what the manifest declares); default none. */
  permissions: { network: string[]; env: string[] }
  /** The source the bundle starts from: src/index.ts (or src/index.js). */
  entry: string
  /** Where the build writes: dist/ of the project. */
  distDir: string
}

/** A plugin's name in a manifest: letters, digits, `.`, `_`, `-` (the host's rule). */
const PLUGIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/
const ENTRIES = ["src/index.ts", "src/index.js"]

/**
 * Reads the project at `dir`: name and version from package.json, permissions from its `dockstat` key,
 * the entry file. Throws a CliError saying what is missing or wrong.
 */
export function readPluginProject(dir: string): PluginProject {
  const root = resolve(dir)
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`${root} is not a folder; give the plugin project's folder`)
  const file = join(root, "package.json")
  if (!existsSync(file)) throw new CliError(`${root} has no package.json; is it a plugin project? (dockstat-plugins new <name> makes one)`)
  let pkg: Record<string, unknown>
  try {
    pkg = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof pkg !== "object" || pkg === null) throw new CliError(`${file} must hold a JSON object`)
  const name = pkg.name
  if (typeof name !== "string" || !PLUGIN_NAME.test(name)) {
    throw new CliError(`${file}: name must be the plugin's name, 1-100 letters, digits, '.', '_' or '-' (no npm scope), got ${JSON.stringify(name)}`)
  }
  const version = pkg.version
  if (typeof version !== "string" || version === "") throw new CliError(`${file}: version must be a non-empty string, got ${JSON.stringify(version)}`)
  const entry = ENTRIES.map((candidate) => join(root, candidate)).find((candidate) => existsSync(candidate))
  if (entry === undefined) throw new CliError(`${root} has no ${ENTRIES.join(" or ")}: the plugin's source starts there`)
  return {
    dir: root,
    name,
    version,
    ...(typeof pkg.description === "string" && pkg.description !== "" ? { description: pkg.description } : {}),
    permissions: readPermissions(pkg.dockstat, file),
    entry,
    distDir: join(root, "dist"),
  }
}

function readPermissions(section: unknown, file: string): PluginProject["permissions"] {
  if (section === undefined) return { network: [], env: [] }
  if (typeof section !== "object" || section === null || Array.isArray(section)) throw new CliError(`${file}: dockstat must be an object, e.g. { "permissions": { "network": [], "env": [] } }`)
  const permissions = (section as { permissions?: unknown }).permissions
  if (permissions === undefined) return { network: [], env: [] }
  if (typeof permissions !== "object" || permissions === null || Array.isArray(permissions)) throw new CliError(`${file}: dockstat.permissions must be an object with network and env lists`)
  const list = (key: "network" | "env"): string[] => {
    const value = (permissions as Record<string, unknown>)[key]
    if (value === undefined) return []
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw new CliError(`${file}: dockstat.permissions.${key} must be a list of strings`)
    return value as string[]
  }
  // The host checks each entry (hostnames, variable names) when the manifest is installed.
  return { network: list("network"), env: list("env") }
}
