import { isBuiltin } from "node:module"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { init, parse } from "es-module-lexer"

/** The specifiers plugin code may use for the SDK: ours, and the seed's `@dockstat/sqlite-wrapper`. */
export const SDK_SPECIFIERS: ReadonlySet<string> = new Set(["@dockstat/plugin-handler", "@dockstat/sqlite-wrapper", "@dockstat/plugin-schema"])

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
  constructor(specifier: string) {
    super(
      `import of "${specifier}" is not allowed: plugin code may import only @dockstat/plugin-handler ` +
        `(or @dockstat/sqlite-wrapper) and node: built-ins`,
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

/**
 * Rewrites a plugin module's imports: SDK specifiers to the SDK's file URL, built-ins kept, anything else
 * refused by name. Uses a real ES module lexer, so strings and comments that look like imports are left alone.
 */
export async function prepareModuleSource(code: string, options: { injectColumn?: boolean; sdkUrl?: string } = {}): Promise<PreparedSource> {
  await lexerReady
  const SDK_URL = options.sdkUrl ?? defaultSdkUrl()
  let imports
  try {
    ;[imports] = parse(code)
  } catch (error) {
    throw syntaxError(code, error)
  }
  let source = ""
  let last = 0
  let importsColumn = false
  for (const entry of imports) {
    if (entry.type === "import-meta") continue
    const specifier = entry.specifier
    if (specifier === undefined) continue // a computed dynamic import: resolution fails by itself in the temp dir
    const dynamic = entry.type === "dynamic"
    let replacement: string
    if (SDK_SPECIFIERS.has(specifier)) {
      replacement = SDK_URL
      if (!dynamic && /\bcolumn\b/.test(code.slice(entry.importStart ?? entry.start, entry.start))) importsColumn = true
    } else if (isBuiltin(specifier)) {
      replacement = specifier.startsWith("node:") ? specifier : `node:${specifier}`
    } else {
      throw new ImportNotAllowedError(specifier)
    }
    source += code.slice(last, entry.start) + (dynamic ? JSON.stringify(replacement) : replacement)
    last = entry.end
  }
  source += code.slice(last)
  const injectColumn = options.injectColumn !== false && !importsColumn && USES_COLUMN.test(code) && !DECLARES_COLUMN.test(code)
  if (injectColumn) source = `import { column } from ${JSON.stringify(SDK_URL)};${source}`
  return { source, injectedColumn: injectColumn }
}
