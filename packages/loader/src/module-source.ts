import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { init, parse } from "es-module-lexer"

import { SDK_IMPORTS_HINT, SDK_SPECIFIERS, builtinName, normalizeGrants, refusedBuiltin } from "./module-policy.ts"

export { SDK_SPECIFIERS } from "./module-policy.ts"

let sdkUrl: string | undefined

/**
 * Plugin modules live in a temp dir with no node_modules: SDK imports are pointed at the SDK's file
 * (the schema package's entry; a worker thread passes its bundled copy instead).
 */
export function defaultSdkUrl(): string {
  sdkUrl ??= pathToFileURL(createRequire(import.meta.url).resolve("@dockstat/plugin-schema")).href
  return sdkUrl
}

const lexerReady = init()

export interface PreparedSource {
  source: string
  /** True when `column` was imported for the plugin (the seed's examples use it without an import). */
  injectedColumn: boolean
}

export class ImportNotAllowedError extends Error {
  readonly specifier: string
  /** `reason`: why, when the specifier is known but refused (a built-in the admin did not grant). */
  constructor(specifier: string, reason?: string) {
    super(
      reason ??
        `import of "${specifier}" is not allowed: plugin code may import only ${SDK_IMPORTS_HINT} and node: built-ins`,
    )
    this.name = "ImportNotAllowedError"
    this.specifier = specifier
  }
}

const USES_COLUMN = /\bcolumn\s*\.\s*[A-Za-z]/
const DECLARES_COLUMN = /(?:^|[^.\w$])(?:const|let|var|function|class)\s+column\b/

/** The lexer's parse error as a message a plugin author can act on: line, column and the line itself. */
function syntaxError(code: string, error: unknown): Error {
  const index = typeof (error as { idx?: unknown }).idx === "number" ? (error as { idx: number }).idx : -1
  if (index < 0) return new SyntaxError(`syntax error: ${(error as Error).message}`)
  const before = code.slice(0, index)
  const line = before.split("\n").length
  const column = index - before.lastIndexOf("\n")
  const text = code.split("\n")[line - 1]?.trim().slice(0, 120) ?? ""
  return new SyntaxError(`syntax error at line ${line}, column ${column}: ${text}`)
}

export interface PrepareOptions {
  injectColumn?: boolean
  sdkUrl?: string
  /** Refused built-ins (module-policy.ts) this plugin may import all the same. */
  grantModules?: readonly string[]
  /**
   * Every `import(` becomes a call of this function, which applies the same checks when the code runs
   * (the worker runtime: a computed `import(variable)` cannot be checked here).
   */
  dynamicImportGuard?: string
}

/**
 * Rewrites a plugin module's imports: SDK specifiers to the SDK's file URL, built-ins kept, anything else
 * refused by name; built-ins in REFUSED_BUILTINS only when granted. Uses a real ES module lexer, so strings
 * and comments that look like imports are left alone.
 */
export async function prepareModuleSource(code: string, options: PrepareOptions = {}): Promise<PreparedSource> {
  await lexerReady
  const SDK_URL = options.sdkUrl ?? defaultSdkUrl()
  const grants = normalizeGrants(options.grantModules)
  const [imports] = parseModule(code)
  let source = ""
  let last = 0
  let importsColumn = false
  for (const entry of imports) {
    if (entry.type === "import-meta") continue
    const specifier = entry.specifier
    const dynamic = entry.type === "dynamic"
    if (dynamic && options.dynamicImportGuard !== undefined) {
      // `import(` -> `guard(`: the keyword sits right before the parenthesis.
      source += code.slice(last, entry.importStart) + options.dynamicImportGuard
      last = entry.dynamicStart
    }
    // A computed dynamic import: checked by the guard when it runs, or resolution fails by itself in the temp dir.
    if (specifier === undefined || (dynamic && entry.glob && options.dynamicImportGuard !== undefined)) continue
    const builtin = allowedImport(specifier, grants)
    if (builtin === null && importsColumnFrom(code, entry)) importsColumn = true
    const replacement = builtin ?? SDK_URL
    source += code.slice(last, entry.start) + (dynamic ? JSON.stringify(replacement) : replacement)
    last = entry.end
  }
  source += code.slice(last)
  const injectColumn = options.injectColumn !== false && needsColumn(code, importsColumn)
  // At the end: imports are hoisted, so `column` is bound before the code runs, and the code keeps its
  // own lines and columns (before it, every column of line 1 was off by the import's length).
  if (injectColumn) source = `${source}\nimport { column } from ${JSON.stringify(SDK_URL)};`
  return { source, injectedColumn: injectColumn }
}

type ImportEntry = ReturnType<typeof parse>[0][number]
type ExportEntry = ReturnType<typeof parse>[1][number]

/** The lexer's imports and exports of `code` (the lexer must be ready); a parse error names line and column. */
export function parseModule(code: string): [readonly ImportEntry[], readonly ExportEntry[]] {
  try {
    const [imports, exports] = parse(code)
    return [imports, exports]
  } catch (error) {
    throw syntaxError(code, error)
  }
}

/** Whether plugin code may import `specifier`: null for the SDK, the built-in's `node:` name, or throws naming it. */
function allowedImport(specifier: string, grants: ReadonlySet<string>): string | null {
  if (SDK_SPECIFIERS.has(specifier)) return null
  const builtin = builtinName(specifier)
  if (builtin === null) throw new ImportNotAllowedError(specifier)
  const refused = refusedBuiltin(builtin, grants)
  if (refused !== null) throw new ImportNotAllowedError(specifier, refused)
  return builtin
}

const importsColumnFrom = (code: string, entry: ImportEntry) => entry.type !== "dynamic" && /\bcolumn\b/.test(code.slice(entry.importStart ?? entry.start, entry.start))

/** The seed's examples use `column` without importing it: such code gets the import. */
const needsColumn = (code: string, importsColumn: boolean) => !importsColumn && USES_COLUMN.test(code) && !DECLARES_COLUMN.test(code)

/**
 * `prepareModuleSource`'s checks without the rewrite, on imports already parsed (the inline runtime
 * transforms the code itself and resolves specifiers when it runs): throws ImportNotAllowedError for an
 * import plugin code may not make, and says whether the code needs `column` injected.
 */
export function checkImports(code: string, imports: readonly ImportEntry[], options: { grantModules?: readonly string[] } = {}): { injectColumn: boolean } {
  const grants = normalizeGrants(options.grantModules)
  let importsColumn = false
  for (const entry of imports) {
    if (entry.type === "import-meta" || entry.specifier === undefined) continue
    if (allowedImport(entry.specifier, grants) === null && importsColumnFrom(code, entry)) importsColumn = true
  }
  return { injectColumn: needsColumn(code, importsColumn) }
}

/** Resolves once the lexer can parse (`parseModule`, `checkImports`). */
export const moduleLexer: Promise<void> = lexerReady
