import { SourceMap } from "node:module"
import { dirname, relative, resolve } from "node:path"

/** A place in a plugin's source: the file relative to the project, 1-based line and column, that line's text. */
export interface SourcePosition {
  file: string
  line: number
  column: number
  lineText: string | null
}

// How the host names a place in the stored code (see the loader: throw-location.ts, syntax-location.ts).
const PLACES = [/\(thrown at line (\d+), column (\d+) of the plugin's code\)/, /\(syntax error at line (\d+), column (\d+)[:)]/]

interface RawMap {
  sources?: string[]
  sourcesContent?: (string | null)[]
}

/**
 * The source position behind a host error message that names a line and column of the built code
 * (`... (thrown at line 3, column 9 of the plugin's code)`), found through the build's source map, or
 * null when the message names none or the map has no mapping there.
 *
 * @example
 * sourcePosition(message, { map, codePath: "/p/dist/plugin.js", projectDir: "/p" })
 * // { file: "src/index.ts", line: 12, column: 11, lineText: '  throw new Error("no token")' }
 */
export function sourcePosition(message: string, build: { map: string; codePath: string; projectDir: string }): SourcePosition | null {
  const match = PLACES.map((place) => place.exec(message)).find((found) => found !== null)
  if (!match) return null
  let raw: RawMap
  let map: SourceMap
  try {
    raw = JSON.parse(build.map) as RawMap
    map = new SourceMap(raw as ConstructorParameters<typeof SourceMap>[0])
  } catch {
    return null
  }
  const entry = map.findEntry(Number(match[1]) - 1, Number(match[2]) - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>
  if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return null
  // Sources are relative to the code's folder (dist/); the map may also hold them as file: URLs.
  const source = entry.originalSource.startsWith("file:") ? new URL(entry.originalSource).pathname : resolve(dirname(build.codePath), entry.originalSource)
  const index = raw.sources?.findIndex((name) => resolve(dirname(build.codePath), name) === source || name === entry.originalSource) ?? -1
  const content = index >= 0 ? raw.sourcesContent?.[index] : undefined
  const lineText = typeof content === "string" ? (content.split("\n")[entry.originalLine] ?? null) : null
  return { file: relative(build.projectDir, source).split("\\").join("/"), line: entry.originalLine + 1, column: entry.originalColumn + 1, lineText }
}

/** `src/index.ts:12:11` */
export function formatPosition(position: { file: string | null; line: number | null; column: number | null }): string {
  if (position.file === null) return ""
  return position.line === null ? position.file : `${position.file}:${position.line}:${position.column ?? 1}`
}
