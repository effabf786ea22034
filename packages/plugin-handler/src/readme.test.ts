/** The README's plugin example, run as written in both runtimes through the fetch handler. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, createFetchHandler } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, useTempDir } from "./test-support.ts"

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const section = readme.slice(readme.indexOf("## Writing a plugin"))
const example = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? ""

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

describe.each<RuntimeKind>(["inline", "worker"])("README plugin example (%s)", (runtime) => {
  it("installs, loads and serves its routes", async () => {
    expect(example).toContain("export default")
    const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], { logLevel: "silent", runtime })
    handlers.push(handler)
    const saved = handler.savePlugin(pluginInput("notes", example))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    const serve = createFetchHandler(handler, { basePath: "/api/v2/plugins" })
    const url = (path: string) => `http://localhost/api/v2/plugins/${saved.id}/routes${path}`
    const post = (body: unknown) => serve(new Request(url("/notes"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }))

    const created = await post({ text: "hello", tags: ["a"] })
    expect([created.status, await created.json()]).toEqual([201, { id: 1 }])
    const refused = await post({ nope: true })
    expect([refused.status, await refused.json()]).toEqual([400, { error: "text (a string) is required" }])
    const list = await serve(new Request(url("/notes")))
    expect(await list.json()).toEqual([{ id: 1, text: "hello", tags: ["a"], pinned: false }])
    expect(await (await serve(new Request(url("/notes/1")))).json()).toEqual({ id: 1, text: "hello", tags: ["a"], pinned: false })
    expect(await (await serve(new Request(url("/notes/1"), { method: "DELETE" }))).json()).toEqual({ changes: 1 })
  })
})
