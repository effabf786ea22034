import { transformSync } from "esbuild"
import { PluginError, isPluginError } from "@dockstat/plugin-schema"

/** Where plugin code first fails to parse: 1-based line and column, and that line's text. */
export interface SyntaxLocation {
  line: number
  column: number
  lineText: string
  /** esbuild's description of the error. */
  text: string
}

interface EsbuildMessage {
  text?: unknown
  location?: { line?: unknown; column?: unknown; lineText?: unknown } | null
}

/**
 * The first syntax error of a plugin module, found by esbuild's parser (the same one that bundles the
 * sandbox), or null when it parses. Every runtime reports a syntax error its own way, and not every
 * way names the place (V8's `vm.Script` and `import()` say only "Unexpected token 'return'"); this
 * names it the same way for all of them, in the plugin's own lines.
 */
export function findSyntaxError(code: string): SyntaxLocation | null {
  try {
    transformSync(code, { loader: "js", format: "esm", logLevel: "silent", target: "esnext" })
    return null
  } catch (error) {
    const first = ((error as { errors?: EsbuildMessage[] }).errors ?? [])[0]
    const location = first?.location
    if (!location || typeof location.line !== "number" || typeof location.column !== "number") return null
    const lineText = typeof location.lineText === "string" ? location.lineText : ""
    // esbuild counts columns in UTF-8 bytes; a reader (and an editor) counts characters.
    const column = Buffer.from(lineText).subarray(0, location.column).toString().length + 1
    return { line: location.line, column, lineText, text: typeof first.text === "string" ? first.text : "syntax error" }
  }
}

const LOOKS_LIKE_SYNTAX = /SyntaxError|unexpected|unterminated|expecting|missing .* (?:after|before)|invalid or unexpected/i
const HAS_LOCATION = /\bline \d+/

/**
 * A LOAD_FAILED error that came from a syntax error, with the line and column added to its message
 * (and to its data); any other error is returned as it is.
 *
 * @example
 * withSyntaxLocation(error, row.plugin).message
 * // 'Could not load plugin "dp" (id 1): Unexpected token \'return\' (syntax error at line 7, column 9: return { ...previousAction, valid })'
 */
export function withSyntaxLocation(error: unknown, code: string): unknown {
  if (!isPluginError(error) || error.code !== "LOAD_FAILED") return error
  const cause = (error as { cause?: unknown }).cause
  const named = cause instanceof Error && cause.name === "SyntaxError"
  if (HAS_LOCATION.test(error.message) || !(named || LOOKS_LIKE_SYNTAX.test(error.message))) return error
  const at = findSyntaxError(code)
  if (at === null) return error
  const text = at.lineText.trim()
  const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text
  const message = `${error.message} (syntax error at line ${at.line}, column ${at.column}: ${shown})`
  return new PluginError("LOAD_FAILED", message, {
    ...(error.pluginId === undefined ? {} : { pluginId: error.pluginId }),
    ...(error.plugin === undefined ? {} : { plugin: error.plugin }),
    data: { ...error.data, line: at.line, column: at.column },
    cause: error,
  })
}
