import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { createTestHost } from "@dockstat/plugin-handler/testing"

import { scaffoldPlugin, tableName } from "./scaffold.ts"
import { indexTs } from "./scaffold-templates.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

const README = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8")
const TEMPLATE_VALUES = { name: "my-plugin", table: "my_plugin_events", sdk: "", cli: "", versions: { typescript: "", vitest: "", typesNode: "" } }

describe("scaffoldPlugin", () => {
  const temp = createTempDir("dockstat-scaffold-")
  afterAll(() => temp.remove())

  it("links the SDK and the CLI of this workspace by paths relative to the project", () => {
    const made = scaffoldPlugin("linked", temp.file("linked"))
    const pkg = JSON.parse(readFileSync(join(made.dir, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> }
    const target = (link: string | undefined) => realpathSync(resolve(made.dir, (link ?? "").replace(/^link:/, "")))
    const demo = fileURLToPath(new URL("..", import.meta.url))
    expect(target(pkg.dependencies["@dockstat/plugin-handler"])).toBe(realpathSync(join(demo, "node_modules", "@dockstat", "plugin-handler")))
    expect(target(pkg.devDependencies["@dockstat/demo"])).toBe(realpathSync(demo))
    expect(pkg.dependencies["@dockstat/plugin-handler"]).not.toMatch(/^link:\//)
    // The workspace's own tool versions, so the pnpm store has them.
    const rootVitest = JSON.parse(readFileSync(join(demo, "..", "..", "node_modules", "vitest", "package.json"), "utf8")) as { version: string }
    expect(pkg.devDependencies.vitest).toBe(rootVitest.version)
  })

  it("refuses a name that is not a lowercase npm and plugin name, and a folder that is not empty", () => {
    for (const name of ["My-Plugin", "@scope/x", "-x", "a b", "", "x".repeat(51)]) {
      expect(() => scaffoldPlugin(name, temp.file(`bad-${name.length}`))).toThrow(/A plugin name is 1-50 lowercase letters/)
    }
    mkdirSync(temp.file("taken"))
    writeFileSync(temp.file("taken/notes.txt"), "mine")
    expect(() => scaffoldPlugin("taken", temp.file("taken"))).toThrow(/already exists and is not empty/)
    expect(readFileSync(temp.file("taken/notes.txt"), "utf8")).toBe("mine")
    expect(() => scaffoldPlugin("file", temp.file("taken/notes.txt"))).toThrow(/is a file; choose another --dir/)
  })

  it("names the table after the plugin, as a SQL identifier", () => {
    expect(tableName("my-plugin")).toBe("my_plugin_events")
    expect(tableName("3d.view")).toBe("p_3d_view_events")
  })
})

describe("README: Writing a plugin", () => {
  const section = README.slice(README.indexOf("## Writing a plugin"), README.indexOf("## Events"))

  it("shows src/index.ts exactly as `new` writes it", () => {
    const shown = /`src\/index\.ts` as `new` writes it \(for `my-plugin`\):\n\n```ts\n([\s\S]*?)```/.exec(section)?.[1]
    expect(shown).toBe(indexTs(TEMPLATE_VALUES))
  })

  it("its createTestHost example works against that source in the sandbox", { timeout: 60_000 }, async () => {
    const temp = createTempDir("dockstat-readme-")
    try {
      writeFileSync(temp.file("package.json"), JSON.stringify({ name: "my-plugin", version: "0.1.0", type: "module" }))
      mkdirSync(temp.file("src"))
      writeFileSync(temp.file("src/index.ts"), indexTs(TEMPLATE_VALUES))
      const snippet = /```ts\n(const host = await createTestHost[\s\S]*?)```/.exec(section)?.[1] ?? ""
      expect(snippet).toContain('createTestHost({ entry: new URL("./index.ts", import.meta.url) })')
      // The snippet as written, with the URL the test file beside src/index.ts would have.
      const host = await createTestHost({ entry: new URL("./index.ts", `file://${temp.file("src/")}`) })
      try {
        expect(snippet).toContain('await host.emit("onContainerStart", { container: { id: "4f2a9c", name: "web" } })')
        await host.emit("onContainerStart", { container: { id: "4f2a9c", name: "web" } })
        expect(snippet).toContain('expect(await host.request("/events?limit=1")).toMatchObject({ status: 200, body: [{ kind: "start", container: "web" }] })')
        expect(await host.request("/events?limit=1")).toMatchObject({ status: 200, body: [{ kind: "start", container: "web" }] })
      } finally {
        await host.close()
      }
    } finally {
      temp.remove()
    }
  })

  it("every dockstat-plugins command it names exists in the CLI's usage", async () => {
    const { USAGE } = await import("./cli-usage.ts")
    const commands = new Set([...section.matchAll(/(?:pnpm demo|dockstat-plugins) (new|build|dev|install)\b/g)].map((match) => match[1]))
    expect([...commands].sort()).toEqual(["build", "dev", "install", "new"])
    for (const command of commands) expect(USAGE).toMatch(new RegExp(`^  ${command} `, "m"))
  })
})
