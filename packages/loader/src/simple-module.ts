import type { parse } from "es-module-lexer"

type Parsed = ReturnType<typeof parse>

/**
 * The lexer's answer for the shape almost every plugin has, without the lexer: at most one import, of
 * the SDK form `import { column } from "..."` at the very start, and one `export default <expression>`.
 * es-module-lexer costs ~20 us per call for a 500-byte module, a start of 1000 plugins pays it 1000 times.
 *
 * Sound by counting, not by parsing: the text holds the six letters `import` at most once, right at the
 * start (where a string or comment cannot begin), and `export` exactly once. Every form of import
 * (static, dynamic `import(`, `import.meta`) and export contains those letters, and JavaScript forbids
 * escapes in keywords, so there is no other. The single `export` might sit inside a string or comment;
 * then the module has no real export, and rewriting that text cannot make one: such a module fails to
 * load for want of a default export, as it does through the lexer. Anything else returns undefined and
 * goes through the lexer. The entries are those es-module-lexer gives (simple-module.test.ts checks both
 * agree), so the import checks and the transform stay the same code.
 */
export function simpleModuleEntries(code: string): [Parsed[0], Parsed[1]] | undefined {
  const exportAt = code.indexOf("export")
  if (exportAt === -1 || code.indexOf("export", exportAt + 6) !== -1) return undefined
  if (exportAt > 0 && IDENTIFIER_PART.test(code[exportAt - 1] as string)) return undefined
  const head = EXPORT_DEFAULT.exec(code.slice(exportAt, exportAt + 64))
  // A declaration (`export default function f`, `class`, `async function`) is exported by name: the lexer's;
  // so is anything after a comment (`export default /* c */ function f`), which could hide one.
  if (head === null || DECLARATION.test(code.slice(exportAt + head[0].length, exportAt + head[0].length + 16))) return undefined
  const keyword = exportAt + (head[1] as string).length
  const exports = [{ type: "direct", name: "default", start: keyword, end: keyword + 7, localStart: -1, localEnd: -1, exportStart: exportAt, typeOnly: false }]

  const importAt = code.indexOf("import")
  if (importAt === -1) return [[], exports] as unknown as [Parsed[0], Parsed[1]]
  if (code.indexOf("import", importAt + 6) !== -1) return undefined
  const match = IMPORT_HEADER.exec(code)
  if (match === null || (match[1] as string).length !== importAt) return undefined
  const start = importAt + (match[2] as string).length + 1
  const end = start + (match[4] as string).length
  const imports = [{ type: "static", specifier: match[4], phase: null, start, end, importStart: importAt, importEnd: end + 1, attributes: null, attributesStart: -1, typeOnly: false }]
  return [imports, exports] as unknown as [Parsed[0], Parsed[1]]
}

/**
 * `import { a, b as c } from "x"`, `import * as a from "x"` or `import a from "x"` at the very start,
 * alone on its line (nothing after it but `;`: import attributes are the lexer's to see).
 */
const IMPORT_HEADER = /^(\s*)(import(?:\s*\{[\w$\s,]*\}|\s*\*\s*as\s+[\w$]+|\s+[\w$]+)\s*from\s*)(["'])([^"'\\\n\r]+)\3(?=[ \t]*;?[ \t]*(?:\r?\n|$))/
const EXPORT_DEFAULT = /^(export\s+)default(?![\w$])\s*/
const DECLARATION = /^(?:function|class|async(?![\w$])|\/)/
const IDENTIFIER_PART = /[\w$.]/
