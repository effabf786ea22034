import { createRequire } from "node:module"
import { Script } from "node:vm"
import { init, parse } from "es-module-lexer"
import { PLUGIN_SDK } from "@dockstat/plugin-schema"

import { builtinName, normalizeGrants, refusedBuiltin } from "./module-policy.ts"
import { ImportNotAllowedError, SDK_SPECIFIERS, checkImports, moduleLexer, parseModule } from "./module-source.ts"
import { simpleModuleEntries } from "./simple-module.ts"

const lexerReady = init()
const nodeRequire = createRequire(import.meta.url)

/** What plugin code gets for an SDK import in the inline runtime: the plugin-facing part of the SDK. */
const SDK = PLUGIN_SDK

/** Module syntax this transform does not handle; the caller imports such code as a real ES module. */
export class UnsupportedModuleSyntax extends Error {
  constructor(what: string) {
    super(`${what} is not supported by the inline module transform`)
    this.name = "UnsupportedModuleSyntax"
  }
}

const P = "__dockstat_"

/** The imports of one plugin: the SDK, and built-ins unless refused (module-policy.ts) and not granted. */
function requireFor(grants: ReadonlySet<string>): (specifier: string) => unknown {
  return (specifier) => {
    if (SDK_SPECIFIERS.has(specifier)) return SDK
    const name = builtinName(specifier)
    if (name === null) throw new ImportNotAllowedError(specifier)
    const refused = refusedBuiltin(name, grants)
    if (refused !== null) throw new ImportNotAllowedError(specifier, refused)
    return nodeRequire(name)
  }
}

/** Most plugins have no grant: they share one import function (a start loads 1000 of them). */
const requireUngranted = requireFor(normalizeGrants(undefined))

/** `import X from` binds the module's default export; the SDK is its own default. */
function defaultOf(module: unknown): unknown {
  return module === SDK ? SDK : ((module as { default?: unknown })?.default ?? module)
}

/** `import X, { a as b } from "x"` -> the bindings, read from the required module. */
function bindings(clause: string, source: string): string {
  const text = clause.trim()
  if (text === "") return `${P}require(${source});`
  const parts: string[] = []
  const named = /\{([\s\S]*)\}/.exec(text)
  const rest = text.replace(/\{[\s\S]*\}/, "").split(",").map((part) => part.trim()).filter(Boolean)
  for (const part of rest) {
    const namespace = /^\*\s+as\s+([\w$]+)$/.exec(part)
    if (namespace) parts.push(`const ${namespace[1]} = ${P}require(${source});`)
    else if (/^[\w$]+$/.test(part)) parts.push(`const ${part} = ${P}default(${P}require(${source}));`)
    else throw new UnsupportedModuleSyntax(`import clause "${text}"`)
  }
  if (named) {
    const names = (named[1] as string)
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean)
      .map((name) => {
        const alias = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(name)
        if (!alias) throw new UnsupportedModuleSyntax(`import of "${name}"`)
        return alias[2] ? `${alias[1]}: ${alias[2]}` : (alias[1] as string)
      })
    parts.push(`const { ${names.join(", ")} } = ${P}require(${source});`)
  }
  return parts.join(" ")
}

/**
 * Turns a plugin's ES module into the body of an async function: imports become reads of the SDK and
 * built-ins, exports become properties of an object. Compiled with `vm.Script`, the result is an
 * ordinary function the garbage collector frees once the plugin is unloaded, where an imported ES
 * module stays in Node's module cache for good. Code it cannot transform throws
 * UnsupportedModuleSyntax (re-exports from another module, string import names).
 */
export function toFunctionBody(code: string): string {
  const [imports, exports] = parse(code)
  return transformModule(code, imports, exports)
}

type Parsed = ReturnType<typeof parse>

function transformModule(code: string, imports: Parsed[0], exports: Parsed[1]): string {
  interface Edit {
    start: number
    end: number
    text: string
  }
  const edits: Edit[] = []
  const trailer: string[] = []
  for (const entry of imports) {
    if (entry.type === "import-meta") {
      edits.push({ start: entry.start, end: entry.end, text: `${P}meta` })
    } else if (entry.type === "dynamic") {
      // `import(` -> `__dockstat_import(`: the keyword sits right before the parenthesis.
      edits.push({ start: entry.importStart, end: entry.dynamicStart, text: `${P}import` })
    } else if (entry.type === "static") {
      if (entry.phase !== null || entry.attributes !== null) throw new UnsupportedModuleSyntax("an import with a phase or attributes")
      const statement = code.slice(entry.importStart, entry.importEnd)
      const specifier = JSON.stringify(entry.specifier)
      if (/^export\b/.test(statement)) throw new UnsupportedModuleSyntax("a re-export")
      const clause = statement.slice("import".length, statement.lastIndexOf(code.slice(entry.start - 1, entry.end + 1))).replace(/\bfrom\s*$/, "")
      edits.push({ start: entry.importStart, end: entry.importEnd, text: bindings(clause, specifier) })
    } else {
      throw new UnsupportedModuleSyntax("a re-export")
    }
  }
  for (const entry of exports) {
    if (entry.type !== "direct") throw new UnsupportedModuleSyntax("a re-export")
    const match = /^export(\s+default)?\s*/.exec(code.slice(entry.exportStart))
    const head = match?.[0] ?? "export "
    const isDefault = match?.[1] !== undefined
    if (!isDefault && code.startsWith("{", entry.exportStart + head.length)) {
      // `export { a, b as c }`: the statement goes, the names are exported at the end.
      const close = code.indexOf("}", entry.exportStart)
      const end = code[close + 1] === ";" ? close + 2 : close + 1
      if (!edits.some((edit) => edit.start === entry.exportStart)) edits.push({ start: entry.exportStart, end, text: "" })
      trailer.push(`${P}exports[${JSON.stringify(entry.name)}] = ${entry.localName};`)
    } else if (entry.name === "default" && entry.localName === undefined) {
      edits.push({ start: entry.exportStart, end: entry.exportStart + head.length, text: `${P}exports.default = ` })
    } else {
      // A declaration (`export const x`, `export default function f`): keep it, export the binding at the end.
      edits.push({ start: entry.exportStart, end: entry.exportStart + head.length, text: "" })
      trailer.push(`${P}exports[${JSON.stringify(entry.name)}] = ${entry.localName};`)
    }
  }
  // Usually two edits, already in order (the import, then the export): no sort and its work array.
  if (edits.length > 1 && edits.some((edit, index) => index > 0 && (edits[index - 1] as Edit).start > edit.start)) edits.sort((a, b) => a.start - b.start)
  let body = ""
  let last = 0
  for (const edit of edits) {
    body += code.slice(last, edit.start) + edit.text
    last = edit.end
  }
  return `${body}${code.slice(last)}\n${trailer.join("\n")}`
}

/**
 * Runs a plugin module as a function (see `toFunctionBody`) and returns its exports. `filename` names
 * it in stack traces. Imports must have been checked (prepareModuleSource) before.
 */
export async function evaluateModule(code: string, filename: string, options: { grantModules?: readonly string[] } = {}): Promise<Record<string, unknown>> {
  await lexerReady
  return runFunctionBody(toFunctionBody(code), filename, options)
}

/**
 * `prefix` (an injected binding) goes on the plugin's first line too. That line shares the wrapper's
 * line, so the plugin's line numbers hold without a negative lineOffset (Bun ignores one); columnOffset
 * puts its first line's columns back where Node honours it.
 */
async function runFunctionBody(body: string, filename: string, options: { grantModules?: readonly string[] }, prefix = ""): Promise<Record<string, unknown>> {
  const head = `(async function (${P}exports, ${P}require, ${P}default, ${P}import, ${P}meta) {"use strict";${prefix}`
  const script = new Script(`${head}${body}\n})`, { filename, columnOffset: -head.length })
  const run = script.runInThisContext() as (...args: unknown[]) => Promise<void>
  const exports: Record<string, unknown> = Object.create(null)
  const load = options.grantModules === undefined || options.grantModules.length === 0 ? requireUngranted : requireFor(normalizeGrants(options.grantModules))
  // Inline arrows, not named consts: under tsx every named function expression costs a defineProperty.
  await run.call(undefined, exports, load, defaultOf, (specifier: unknown) => new Promise((resolve) => resolve(load(String(specifier)))), Object.freeze({ url: filename }))
  return exports
}

const ALREADY_DECLARED = /Identifier 'column' has already been declared/

/** What the seed's examples get when they use `column` without importing it (as an import of the SDK would bind it). */
const INJECTED_COLUMN = `const { column } = ${P}require("@dockstat/plugin-handler");`

/**
 * The inline runtime's import: imports checked by the lexer (one parse serves the checks and the
 * transform; the common shape of a plugin skips it, see simple-module.ts), then run as a function. Code the transform does not handle is imported as a real ES module
 * instead (correct, but that module stays in memory after unload).
 */
export async function importInline(
  code: string,
  name: string,
  fallback: (code: string) => Promise<Record<string, unknown>>,
  options: { grantModules?: readonly string[] } = {},
): Promise<Record<string, unknown>> {
  await moduleLexer
  const simple = simpleModuleEntries(code)
  const [imports, exports] = simple ?? parseModule(code)
  const { injectColumn } = checkImports(code, imports, options)
  const filename = `plugin:${name}`
  let body: string
  try {
    body = transformModule(code, imports as Parsed[0], exports as Parsed[1])
  } catch (error) {
    if (error instanceof UnsupportedModuleSyntax) return fallback(code)
    throw error
  }
  try {
    // On the first line, as an injected import was: line numbers in stack traces stay the plugin's.
    return await runFunctionBody(body, filename, options, injectColumn ? INJECTED_COLUMN : "")
  } catch (error) {
    // The plugin declares its own `column` in a way the check did not see: run it exactly as written.
    if (injectColumn && ALREADY_DECLARED.test(String((error as Error)?.message))) return runFunctionBody(body, filename, options)
    // The lexer was skipped: where it sees the syntax error, its message (line, column, the line) is the one.
    if (simple !== undefined && error instanceof SyntaxError) parseModule(code)
    throw error
  }
}
