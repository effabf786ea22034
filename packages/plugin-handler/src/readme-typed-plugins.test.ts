/**
 * The README's "Typed plugins" examples are the files in readme-examples/, which `pnpm typecheck`
 * compiles under the project's strict settings (so every `@ts-expect-error` in them marks a real type
 * error); the plugins among them, compiled to JavaScript, install and serve their routes.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

import PluginHandler, { DB, createFetchHandler } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const start = readme.indexOf("### Typed plugins")
const section = readme.slice(start, readme.indexOf("\n## ", start))
const snippets = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "")
const EXAMPLES = ["typed-define-plugin.ts", "typed-mistakes.ts", "typed-plugin-builder.ts"]
const example = (name: string) => readFileSync(new URL(`../readme-examples/${name}`, import.meta.url), "utf8")
const tempDir = useTempDir()

const javascript = (code: string) => ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText

describe("README: Typed plugins", () => {
  it("shows exactly the example files that pnpm typecheck compiles", () => {
    expect(snippets).toEqual(EXAMPLES.map(example))
    // The mistakes example marks each mistake; tsc fails on a directive without an error under it.
    expect(example("typed-mistakes.ts").match(/@ts-expect-error/g)).toHaveLength(5)
  })

  it("runs the definePlugin and pluginBuilder examples, compiled to JavaScript", async () => {
    const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], { logLevel: "silent" })
    try {
      const serve = createFetchHandler(handler, { basePath: "/p" })
      const install = async (name: string, code: string) => {
        const saved = handler.savePlugin(pluginInput(name, javascript(code)))
        if (!saved.success) throw new Error(saved.message)
        await handler.loadPlugin(saved.id)
        return (path: string, init?: RequestInit) => serve(new Request(`http://localhost/p/${saved.id}/routes${path}`, init))
      }
      const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

      const hosts = await install("hosts", snippets[0] ?? "")
      const missing = await hosts("/hosts/1")
      expect([missing.status, await missing.json()]).toEqual([404, { error: "no such host" }])
      const created = await hosts("/hosts", json({ name: "web" }))
      expect([created.status, await created.json()]).toEqual([201, { id: 1 }])
      expect(await (await hosts("/hosts/1")).json()).toEqual({ id: 1, name: "web", meta: { cpu: 0 }, up: false })
      expect((await handler.emit("onContainerStart", { container: { id: "c1" } })).results).toEqual([expect.objectContaining({ status: "ok" })])
      expect(await (await hosts("/hosts/2")).json()).toMatchObject({ id: 2, name: "c1" })

      const notes = await install("notes", snippets[2] ?? "")
      expect(await (await notes("/notes", json({ text: "hi" }))).json()).toEqual({ insertId: 1, changes: 1 })
      expect(await (await notes("/notes", json({}))).json()).toBeNull()
    } finally {
      await handler.close()
    }
  })
})
