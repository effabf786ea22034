import { describe, expect, it } from "vitest"

import { UnsupportedModuleSyntax, evaluateModule, importInline, toFunctionBody } from "./module-function.ts"

const run = (code: string) => evaluateModule(code, "plugin:test")

describe("inline module transform", () => {
  it("binds every import form from the SDK and node built-ins", async () => {
    const exports = await run(`
import sdk, { column, reply as r } from "@dockstat/plugin-handler"
import * as ns from "node:path"
import fs, { existsSync } from "node:fs"
import "node:os"
export default { id: column.id(), reply: typeof r, ns: ns.sep, fs: typeof fs.readFileSync, exists: typeof existsSync, sdk: typeof sdk.column }`)
    expect(exports.default).toEqual({ id: { kind: "id" }, reply: "function", ns: "/", fs: "function", exists: "function", sdk: "object" })
  })

  it("exports default expressions, declarations and export lists", async () => {
    expect((await run("export default 40 + 2")).default).toBe(42)
    expect((await run("export default function hello() { return 'hi' }\nexport const again = hello()")).again).toBe("hi")
    const listed = await run("const a = 1\nconst b = 2\nexport { a, b as bee }\nexport class K {}")
    expect([listed.a, listed.bee, typeof listed.K]).toEqual([1, 2, "function"])
    expect((await run("const plugin = { n: 1 }\nexport { plugin as default }")).default).toEqual({ n: 1 })
  })

  it("supports top-level await, dynamic imports of built-ins and import.meta", async () => {
    const exports = await run(`const { sep } = await import("node:path")\nexport default { sep, url: import.meta.url }`)
    expect(exports.default).toEqual({ sep: "/", url: "plugin:test" })
  })

  it("keeps module state in closures, fresh for every evaluation", async () => {
    const code = "let calls = 0\nexport default { count: () => ++calls }"
    const first = (await run(code)).default as { count: () => number }
    first.count()
    expect(first.count()).toBe(2)
    expect(((await run(code)).default as { count: () => number }).count()).toBe(1)
  })

  it("runs in strict mode, like a module", async () => {
    await expect(run("undeclared = 1\nexport default {}")).rejects.toThrow(/undeclared is not defined/)
  })

  it("leaves strings and comments that look like imports alone", () => {
    const code = '// import x from "y"\nconst s = "export default 1"\nexport default s'
    expect(toFunctionBody(code)).toContain('const s = "export default 1"')
  })

  it("reports line numbers of the plugin's own code", async () => {
    const error = await run('const a = 1\nthrow new Error("line two")\nexport default {}').catch((caught: Error) => caught)
    expect(error.stack).toMatch(/plugin:test:2/)
  })

  it("reports the plugin's first line as line 1", async () => {
    const error = await run('throw new Error("line one")\nexport default {}').catch((caught: Error) => caught)
    expect(error.stack).toMatch(/plugin:test:1:/)
  })

  it("hands re-exports from another module to the ES module fallback", async () => {
    expect(() => toFunctionBody('export * from "node:path"')).toThrow(UnsupportedModuleSyntax)
    expect(() => toFunctionBody('export { sep } from "node:path"')).toThrow(UnsupportedModuleSyntax)
    let fellBack = false
    const exports = await importInline('export { sep } from "node:path"\nexport default {}', "p", async () => {
      fellBack = true
      return { default: "fallback" }
    })
    expect([fellBack, exports.default]).toEqual([true, "fallback"])
  })

  it("gives code that uses column without importing it the SDK's column, and keeps a plugin's own", async () => {
    const never = async () => ({})
    expect((await importInline("export default { t: column.text() }", "p", never)).default).toEqual({ t: { kind: "text" } })
    expect((await importInline("function column() {}\ncolumn.id = () => 'mine'\nexport default { t: column.id() }", "p", never)).default).toEqual({ t: "mine" })
  })
})
