/**
 * simple-module.ts answers for the lexer on the common plugin shape: where it answers, it must give
 * what es-module-lexer gives, and it must step aside for everything else.
 */
import { readFileSync } from "node:fs"
import { init, parse } from "es-module-lexer"
import { describe, expect, it } from "vitest"

import { importInline } from "./module-function.ts"
import { simpleModuleEntries } from "./simple-module.ts"

await init

const IMPORT_KEYS = ["type", "specifier", "start", "end", "importStart", "importEnd", "phase", "attributes"] as const
const EXPORT_KEYS = ["type", "name", "localName", "start", "end", "exportStart"] as const
const pick = <T extends object>(entry: T, keys: readonly string[]) => Object.fromEntries(keys.map((key) => [key, (entry as Record<string, unknown>)[key]]))

const seedExample = readFileSync(new URL("../../../apps/demo/src/example-plugins/example-plugin.js", import.meta.url), "utf8")

const simple = [
  'import { column } from "@dockstat/plugin-handler"\nlet seen = null\nexport default {\n  name: "p",\n  config: { table: { name: "t", columns: { id: column.id() } } },\n}\n',
  "export default { name: 'without an SDK line', config: { table: { name: 't', columns: { id: column.id() } } } }",
  "  import {column as c, reply} from '@dockstat/plugin-handler';\r\nexport default { c: c.text(), r: typeof reply }",
  'import{column}from"@dockstat/plugin-handler"\nexport default{}',
  'import * as sdk from "@dockstat/plugin-handler"\nexport   default   (sdk.column)',
  'import sdk from "@dockstat/plugin-handler"\nconst x = { a: 1 }\nexport default x',
  "export default definePlugin({ name: 'x' })",
  "export default\n{ a: 1 }",
  'import { column } from "node:path"\nexport default { note: "checked by the same policy as ever" }',
]

const notSimple = [
  // Its comments say "import": counted, so the lexer reads it.
  seedExample,
  "export default function named() {}",
  "export default class K {}",
  "export default async function named() {}",
  "export default /* c */ function f() {}",
  "export default\n// c\nfunction f() {}",
  "export default // c\nclass K {}",
  'import { column } from "@dockstat/plugin-handler"\nimport { sep } from "node:path"\nexport default {}',
  'import { column } from "@dockstat/plugin-handler"\nexport default { load: () => import("node:fs") }',
  "export default { url: import.meta.url }",
  "const a = 1\nexport { a as default }",
  "export const a = 1\nexport default a",
  'export default {}\nexport * from "node:path"',
  'import data from "./data.json" with { type: "json" }\nexport default data',
  '// a comment first\nimport { column } from "@dockstat/plugin-handler"\nexport default {}',
  'import "node:os"\nexport default {}',
  'import a, { b } from "x"\nexport default {}',
  "module.exports = {}\nexport default {}",
  "const myexport = 1\nexport default myexport",
  'importX from "node:fs"\nexport default {}',
  "const s = 'no default here'",
]

describe("simpleModuleEntries", () => {
  it.each(simple.map((code) => [code.slice(0, 60).replaceAll("\n", "\\n"), code]))("gives the lexer's entries for %s", (_, code) => {
    const entries = simpleModuleEntries(code)
    expect(entries).toBeDefined()
    const [imports, exports] = parse(code)
    expect(entries?.[0].map((entry) => pick(entry, IMPORT_KEYS))).toEqual(imports.map((entry) => pick(entry, IMPORT_KEYS)))
    expect(entries?.[1].map((entry) => pick(entry, EXPORT_KEYS))).toEqual(exports.map((entry) => pick(entry, EXPORT_KEYS)))
  })

  it.each(notSimple.map((code) => [code.slice(0, 60).replaceAll("\n", "\\n"), code]))("leaves %s to the lexer", (_, code) => {
    expect(simpleModuleEntries(code)).toBeUndefined()
  })

  it("keeps the import checks and the lexer's syntax error message on the fast path", async () => {
    await expect(importInline('import { x } from "left-pad"\nexport default {}', "p", async () => ({}))).rejects.toThrow(/import of "left-pad" is not allowed/)
    await expect(importInline('import { exec } from "node:child_process"\nexport default {}', "p", async () => ({}))).rejects.toThrow(/refused/)
    await expect(importInline("export default { a: 1,, }", "p", async () => ({}))).rejects.toThrow(SyntaxError)
    const loaded = await importInline('import { column } from "@dockstat/plugin-handler"\nexport default { id: column.id() }', "p", async () => ({}))
    expect(loaded.default).toEqual({ id: { kind: "id" } })
  })

  it("changes only text a loadable module could not have used when its one export sits in a string", async () => {
    // No real export: through the lexer or not, the module has no default export.
    const code = "const note = `\nexport default {}`\n"
    const entries = simpleModuleEntries(code)
    expect(entries).toBeDefined()
    const loaded = await importInline(code, "p", async () => ({}))
    expect(loaded.default).toBeUndefined()
  })
})
