/** The README's DockStat-style plugin example (query builder and column helpers), run as written in every runtime. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, runtimesOnThisHost, useTempDir } from "./test-support.ts"

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const section = readme.slice(readme.indexOf("### The query builder and column helpers (DockStat style)"))
const example = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? ""

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const post = (path: string, body?: unknown) =>
  new Request(`http://localhost${path}`, body === undefined ? { method: "POST" } : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe.each(runtimesOnThisHost<RuntimeKind>(["inline", "worker", "sandbox"]))("README DockStat-style example (%s)", (runtime) => {
  it("installs, loads and serves its routes", async () => {
    expect(example).toContain('from "@dockstat/sqlite-wrapper"')
    const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], { logLevel: "silent", runtime, sandbox: { maxSliceMs: 5000 } })
    handlers.push(handler)
    const saved = handler.savePlugin(pluginInput("containers-seen", example))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    const call = (path: string, request: Request) => handler.handleRoute(saved.id, path, request)

    const seen = (await call("/seen", post("/seen", { name: "web-1", state: "running", labels: { app: "web" } }))) as Record<string, unknown>
    expect(seen).toMatchObject({ id: 1, name: "web-1", state: "running", labels: { app: "web" }, restarts: 0 })
    expect(seen.firstSeen).toBeGreaterThan(1_700_000_000)
    expect(seen.checked).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    await call("/seen", post("/seen", { name: "db-1", state: "running" }))
    await call("/seen", post("/seen", { name: "web-2" }))
    expect(await call("/restart/db-1", post("/restart/db-1"))).toEqual({ changes: 1 })
    expect(await call("/running", new Request("http://localhost/running"))).toEqual([
      { name: "db-1", restarts: 1 },
      { name: "web-1", restarts: 0 },
    ])
    expect(await call("/running?match=^web", new Request("http://localhost/running?match=^web"))).toEqual([{ name: "web-1", restarts: 0 }])
    await expect(call("/seen", post("/seen", { name: "x", state: "paused" }))).rejects.toThrow(/breaks a check/)
  })
})
