import { createServer } from "node:http"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import type { AddressInfo } from "node:net"

import PluginHandler, { DB } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// Every lifecycle hook writes a row to the plugin's table: the table outlives the instance that wrote it.
const code = (version: string) => `
const note = (hook) => ({ table, plugin, from, to }) => { table.insert({ hook, version: "${version}", detail: JSON.stringify({ plugin: plugin?.name, from, to }) }) }
export default {
  config: { table: { name: "life", columns: { id: column.id(), hook: column.text(), version: column.text(), detail: column.text() } } },
  events: { onInstall: note("onInstall"), onLoad: note("onLoad"), onUnload: note("onUnload"), onUpdate: note("onUpdate"), onUninstall: note("onUninstall"), onBoot: note("onBoot") },
}`

describe.each<RuntimeKind>(["inline", "worker"])("lifecycle hooks (%s)", (runtime) => {
  it("fire on install, load, boot, update, unload and uninstall", async () => {
    const manifest = (version: string) => JSON.stringify({ name: "life", version, author: {}, plugin: code(version) })
    const server = createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end(manifest(request.url === "/v2.json" ? "2.0.0" : "1.0.0"))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const db = new DB(join(tempDir(), "app.db"))
    // The manifests are served on 127.0.0.1, which the installer refuses unless told otherwise.
    const handler = new PluginHandler(db, [], { logLevel: "silent", runtime, install: { allowPrivateNetwork: true } })
    cleanups.push(() => handler.close())
    const rows = () => db.query("SELECT hook, version FROM life ORDER BY id").all().map((row) => `${row.hook}@${row.version}`)

    const installed = await handler.installFromManifestLink(`${url}/v1.json`)
    expect(installed.success).toBe(true)
    expect(rows()).toEqual(["onInstall@1.0.0"])
    await handler.start()
    expect(rows()).toEqual(["onInstall@1.0.0", "onLoad@1.0.0", "onBoot@1.0.0"])
    expect((await handler.installFromManifestLink(`${url}/v2.json`, { update: true })).success).toBe(true)
    // The old version's onUnload runs beside the new version's hooks; the new one's come in order.
    await expect.poll(() => rows().length).toBe(6)
    const afterUpdate = rows().slice(3)
    expect(new Set(afterUpdate)).toEqual(new Set(["onUnload@1.0.0", "onUpdate@2.0.0", "onLoad@2.0.0"]))
    expect(afterUpdate.indexOf("onUpdate@2.0.0")).toBeLessThan(afterUpdate.indexOf("onLoad@2.0.0"))
    expect(handler.deletePlugin(1).success).toBe(true)
    await expect.poll(() => rows().slice(-2)).toEqual(["onUninstall@2.0.0", "onUnload@2.0.0"])
    expect(db.query("SELECT detail FROM life WHERE hook = 'onUpdate'").get()).toEqual({ detail: JSON.stringify({ plugin: "life", from: "1.0.0", to: "2.0.0" }) })
  })
})

describe("an inline hook that holds the event loop", () => {
  it("is warned about, and from the next event on named with its own time", async () => {
    const { pino } = await import("pino")
    const lines: Record<string, unknown>[] = []
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
    const db = new DB(join(tempDir(), "app.db"))
    const handler = new PluginHandler(db, [], { logger, runtime: "inline" })
    cleanups.push(async () => {
      await handler.close()
      db.close()
    })
    const hook = (ms: number) => `export default { events: { onContainerStart: () => { const end = Date.now() + ${ms}; while (Date.now() < end) {} } } }`
    for (const [name, ms] of [["quick-a", 0], ["slowpoke", 40], ["quick-b", 0]] as const) {
      const saved = handler.savePlugin({ name, version: "1.0.0", repoType: "local", repository: "local", manifest: "local", author: {}, plugin: hook(ms) })
      expect(saved.success).toBe(true)
    }
    expect((await handler.loadAllPlugins()).errors).toEqual([])
    const warnings = () => lines.filter((line) => line.msg?.toString().startsWith("plugin hooks held the event loop"))

    const first = await handler.emit("onContainerStart", { container: { id: "c1" } })
    // Timed together: one reading for all three.
    expect(new Set(first.results.map((result) => result.ms)).size).toBe(1)
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toMatchObject({ hook: "onContainerStart", plugins: 3 })
    expect(warnings()[0]?.plugin).toBeUndefined()

    const second = await handler.emit("onContainerStart", { container: { id: "c2" } })
    expect(new Set(second.results.map((result) => result.ms)).size).toBe(3)
    expect(warnings()).toHaveLength(2)
    expect(warnings()[1]).toMatchObject({ hook: "onContainerStart", plugin: "slowpoke" })
    expect(warnings()[1]?.pluginMs as number).toBeGreaterThanOrEqual(35)
  })
})
