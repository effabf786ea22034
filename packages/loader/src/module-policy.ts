import { isBuiltin } from "node:module"

/**
 * The specifiers plugin code may use for the SDK: ours, the seed's `@dockstat/sqlite-wrapper` and
 * upstream DockStat's `@dockstat/plugin-builder`. Each is served the same module (PLUGIN_SDK).
 */
export const SDK_SPECIFIERS: ReadonlySet<string> = new Set(["@dockstat/plugin-handler", "@dockstat/sqlite-wrapper", "@dockstat/plugin-builder", "@dockstat/plugin-schema"])

/** How error messages name what plugin code may import. */
export const SDK_IMPORTS_HINT = "@dockstat/plugin-handler (or @dockstat/sqlite-wrapper, @dockstat/plugin-builder)"

/**
 * Built-ins a plugin gets only when the admin grants them (`grantModules`), in every runtime. Each one
 * reaches past the plugin's own thread, measured on Node 20: child_process, cluster and test (`run()`)
 * start processes; worker_threads starts threads with full authority and forges host messages; module
 * (`createRequire`, `register`) loads any package or file; repl evaluates with a real `require`; inspector
 * (`Session.connectToMainThread`) evaluates code in the host's main thread; v8 (`setFlagsFromString`
 * "--allow-natives-syntax" then `%AbortJS`) aborts the whole process; vm compiles code outside the
 * checks of this runtime. wasi sees only the directories it is given, and `node:process` is the (locked)
 * `process` object: both stay allowed.
 */
export const REFUSED_BUILTINS: ReadonlySet<string> = new Set([
  "node:child_process",
  "node:cluster",
  "node:inspector",
  "node:inspector/promises",
  "node:module",
  "node:repl",
  "node:test",
  "node:test/reporters",
  "node:v8",
  "node:vm",
  "node:worker_threads",
])

/**
 * Modules Bun counts as built-ins that Node does not have: `bun`, `bun:ffi` (native code), `bun:sqlite`,
 * `bun:jsc`, ... and its own `ws` and `undici`. Plugin code may import Node's built-ins only, whatever
 * runtime the host runs on, so these are "not allowed" like any package.
 */
const NOT_NODE = /^(?:node:)?(?:bun(?::.*)?|ws|undici)$/

/** `fs` and `node:fs` alike: the `node:` form, or null for a specifier that is not a Node built-in. */
export function builtinName(specifier: string): string | null {
  if (!isBuiltin(specifier) || NOT_NODE.test(specifier)) return null
  return specifier.startsWith("node:") ? specifier : `node:${specifier}`
}

/** The grants, in the `node:` form (`"child_process"` grants `node:child_process`). */
const NO_GRANTS: ReadonlySet<string> = new Set()

export function normalizeGrants(grants: readonly string[] | undefined): ReadonlySet<string> {
  // Most plugins have no grant: one shared empty set (every load asks).
  if (grants === undefined || grants.length === 0) return NO_GRANTS
  return new Set((grants ?? []).map((name) => (name.startsWith("node:") ? name : `node:${name}`)))
}

/** Why this built-in is refused to the plugin, or null when it may import it. */
export function refusedBuiltin(name: string, grants: ReadonlySet<string>): string | null {
  if (!REFUSED_BUILTINS.has(name) || grants.has(name)) return null
  return (
    `import of "${name}" is refused: it reaches beyond the plugin (processes, threads, other modules or the ` +
    `host itself); an admin can grant it with the handler option grantModules: { "<plugin name>": ["${name}"] }`
  )
}
