import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { bundlePlugin } from "@dockstat/plugin-handler/build"

import { formatPosition, sourcePosition } from "./source-position.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

describe("sourcePosition", () => {
  const temp = createTempDir("dockstat-position-")
  afterAll(() => temp.remove())

  it("maps the place the host names in the built code back to the TypeScript line, through the source map", async () => {
    writeFileSync(temp.file("package.json"), "{}")
    mkdirSync(temp.file("src"))
    writeFileSync(temp.file("src/util.ts"), 'export function fail(reason: string): never {\n  throw new Error(reason)\n}\n')
    writeFileSync(temp.file("src/index.ts"), 'import { fail } from "./util.ts"\n\ninterface Config { token?: string }\nconst config: Config = {}\nif (!config.token) fail("no token")\nexport default {}\n')
    const codePath = temp.file("dist/plugin.js")
    const { code, map } = await bundlePlugin({ entry: temp.file("src/index.ts"), outfile: codePath })
    const lines = code.split("\n")
    const at = (text: string) => ({ line: lines.findIndex((candidate) => candidate.includes(text)) + 1, column: (lines.find((candidate) => candidate.includes(text)) ?? "").indexOf(text) + 1 })
    const build = { map: map ?? "", codePath, projectDir: temp.path }

    const thrown = at("throw new Error(reason)")
    const inUtil = sourcePosition(`Could not load plugin "x": no token (thrown at line ${thrown.line}, column ${thrown.column} of the plugin's code)`, build)
    expect(inUtil).toEqual({ file: "src/util.ts", line: 2, column: 3, lineText: "  throw new Error(reason)" })
    expect(formatPosition(inUtil as NonNullable<typeof inUtil>)).toBe("src/util.ts:2:3")

    const call = at('fail("no token")')
    expect(sourcePosition(`x (syntax error at line ${call.line}, column ${call.column}: whatever)`, build)).toMatchObject({ file: "src/index.ts", line: 5 })
  })

  it("is null for a message that names no place, or a map it cannot read", () => {
    const build = { map: "{}", codePath: "/p/dist/plugin.js", projectDir: "/p" }
    expect(sourcePosition("Could not load plugin: boom", build)).toBeNull()
    expect(sourcePosition("boom (thrown at line 1, column 1 of the plugin's code)", { ...build, map: "not json" })).toBeNull()
    expect(sourcePosition("boom (thrown at line 1, column 1 of the plugin's code)", build)).toBeNull()
  })
})
