/** The README's plugin example, run as written in both runtimes through the fetch handler. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { pino } from "pino"
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

const events = readme.slice(readme.indexOf("## Events"), readme.indexOf("## Runtimes"))
const [upstreamExample = "", thirdFormExample = ""] = [...events.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1])

describe.each<RuntimeKind>(["sandbox", "worker", "inline"])("README event examples (%s)", (runtime) => {
  it("runs the upstream-named hooks and the third form as written", async () => {
    expect(upstreamExample).toContain('"container:started"')
    expect(thirdFormExample).toContain("onContainerStart: async (container, { logger })")
    const lines: { msg?: string }[] = []
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string }) })
    const db = new DB(join(tempDir(), "app.db"))
    const handler = new PluginHandler(db, ["API"], { logger, runtime })
    handlers.push(handler)
    const uptime = handler.savePlugin(pluginInput("uptime", upstreamExample))
    const third = handler.savePlugin(pluginInput("third-form", thirdFormExample))
    if (!uptime.success || !third.success) throw new Error("could not save the README examples")
    expect((await handler.loadAllPlugins()).errors).toEqual([])

    const containerInfo = { id: "c1", hostId: 2, name: "web", image: "nginx", status: "running", state: "running", ports: [], labels: {} }
    const reports = [
      await handler.emit("container:started", { hostId: 2, containerId: "c1", containerInfo }),
      await handler.emit("container:died", { hostId: 2, containerId: "c1", containerInfo: { ...containerInfo, state: "exited" } }),
      await handler.emit("host:health:changed", { hostId: 2, hostName: "nas", healthy: false, error: "connection refused" }),
      await handler.emit("onContainerStart", { container: { id: "c1", name: "web" }, hostId: 2 }),
    ]
    expect(reports.flatMap((report) => report.results.map((result) => result.status))).toEqual(["ok", "ok", "ok", "ok"])
    expect(db.query("SELECT hostId, containerId, state FROM uptime_events ORDER BY id").all()).toEqual([
      { hostId: "2", containerId: "c1", state: "running" },
      { hostId: "2", containerId: "c1", state: "died" },
    ])
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(["web started on host 2", "Docker host nas is unreachable: connection refused", "c1"]))
  })
})
