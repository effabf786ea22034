import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { SourceMap } from "node:module"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"

import { BUNDLE_EXTERNALS, PluginBuildError, bundlePlugin } from "./bundle-plugin.ts"
import { useTempDir } from "./test-support.ts"

const temp = useTempDir()

/** A plugin project: package.json, src/index.ts importing src/greeting.ts and the SDK. */
function project(files: Record<string, string>): string {
  const dir = temp()
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bundled", version: "1.0.0", type: "module" }))
  mkdirSync(join(dir, "src"))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "src", name), text)
  return dir
}

const INDEX = `import { definePlugin, reply } from "@dockstat/plugin-handler"
import { greeting } from "./greeting.ts"

interface Hello { text: string }

export default definePlugin({
  config: {
    apiRoutes: { "/hello": { method: "GET", actions: ["hello"] } },
    actions: { hello: (): ReturnType<typeof reply> => reply({ text: greeting("you") } satisfies Hello) },
  },
})
`

describe("bundlePlugin", () => {
  it("makes one ES module of a TypeScript plugin: local files inlined, SDK imports kept, a source map to the sources", async () => {
    const dir = project({ "index.ts": INDEX, "greeting.ts": "export const greeting = (name: string): string => `hello ${name}`\n" })
    const bundled = await bundlePlugin({ entry: join(dir, "src", "index.ts"), outfile: join(dir, "dist", "plugin.js") })
    expect(bundled.code).toMatch(/^import \{[^}]*definePlugin[^}]*\} from "@dockstat\/plugin-handler";$/m)
    expect(bundled.code).toContain("hello ${name}")
    expect(bundled.code).not.toContain("./greeting")
    expect(bundled.code).not.toContain("interface Hello")
    expect(bundled.code.trimEnd().endsWith("//# sourceMappingURL=plugin.js.map")).toBe(true)
    const map = JSON.parse(bundled.map ?? "null") as { sources: string[] }
    expect(map.sources.sort()).toEqual(["../src/greeting.ts", "../src/index.ts"])
    expect(bundled.inputs.sort()).toEqual([join(dir, "src", "greeting.ts"), join(dir, "src", "index.ts")])

    // The map leads from the bundle back to the TypeScript line that holds the template literal.
    const lines = bundled.code.split("\n")
    const line = lines.findIndex((text) => text.includes("hello ${name}"))
    const origin = new SourceMap(JSON.parse(bundled.map as string)).findEntry(line, lines[line]?.indexOf("`") ?? 0)
    expect(origin).toMatchObject({ originalSource: expect.stringMatching(/src\/greeting\.ts$/), originalLine: 0 })
  })

  it("keeps every SDK specifier the host serves external, and takes a file: URL as the entry", async () => {
    const dir = project({ "index.ts": BUNDLE_EXTERNALS.map((name, index) => `import * as sdk${index} from "${name}"\nconsole.log(sdk${index})\n`).join("") + "export default {}\n" })
    const bundled = await bundlePlugin({ entry: pathToFileURL(join(dir, "src", "index.ts")), sourcemap: false })
    for (const name of ["@dockstat/plugin-handler", "@dockstat/sqlite-wrapper", "@dockstat/plugin-builder"]) expect(bundled.code).toContain(`from "${name}"`)
    expect(bundled.map).toBeNull()
    expect(bundled.code).not.toContain("sourceMappingURL")
  })

  it("refuses a source that does not parse, naming file, line and column", async () => {
    const dir = project({ "index.ts": 'export default {\n  config: {\n    apiRoutes: { "/x" { actions: [] } },\n  },\n}\n' })
    const failure = await bundlePlugin({ entry: join(dir, "src", "index.ts") }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PluginBuildError)
    const problem = (failure as PluginBuildError).problems[0]
    expect(problem).toMatchObject({ file: "src/index.ts", line: 3, column: 23, lineText: '    apiRoutes: { "/x" { actions: [] } },' })
    expect((failure as Error).message).toContain('src/index.ts:3:23: Expected ":" but found "{"')
  })

  it("names an import that does not resolve where it is written", async () => {
    const dir = project({ "index.ts": 'import { nope } from "./missing.ts"\nexport default { nope }\n' })
    const failure = (await bundlePlugin({ entry: join(dir, "src", "index.ts") }).catch((error: unknown) => error)) as PluginBuildError
    expect(failure.message).toMatch(/src\/index\.ts:1:22: Could not resolve "\.\/missing\.ts"/)
  })
})
