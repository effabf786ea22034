import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { codeDigest } from "@dockstat/plugin-store"

import PluginHandler, { DB } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const open: { handler: PluginHandler; db: DB }[] = []
afterEach(async () => {
  for (const { handler, db } of open.splice(0)) {
    await handler.close()
    db.close()
  }
})

function setup(path = ":memory:") {
  const db = new DB(path)
  const handler = new PluginHandler(db, [], { runtime: "inline", logLevel: "silent" })
  open.push({ handler, db })
  return { db, handler }
}

const code = (answer: string) => `export default { config: { apiRoutes: { "/v": { actions: ["v"] } }, actions: { v: () => "${answer}" } } }`

describe("declared permissions", () => {
  it("are validated by savePlugin, with a message naming the bad entry", () => {
    const { handler } = setup()
    const result = handler.savePlugin(pluginInput("p", code("v1"), { permissions: { network: ["https://api.example.com"], env: ["API-TOKEN"] } }))
    expect(result).toEqual({
      success: false,
      message: expect.stringMatching(/^Invalid plugin: permissions\.network\.0: "https:\/\/api\.example\.com" is not a hostname or host:port: drop the scheme.*; permissions\.env\.0: "API-TOKEN" is not an environment variable name/),
    })
    expect(handler.getAll()).toEqual([])
  })

  it("are stored normalized and shown by getAll() and both parts of getStatus()", async () => {
    const { handler } = setup()
    const saved = handler.savePlugin(pluginInput("p", code("v1"), { permissions: { network: ["API.example.com", "api.example.com"], env: ["TOKEN", "A"] } }))
    handler.savePlugin(pluginInput("plain", code("v1")))
    const expected = { network: ["api.example.com"], env: ["A", "TOKEN"] }
    expect(saved.success).toBe(true)
    expect(handler.getAll().map((plugin) => plugin.permissions)).toEqual([expected, { network: [], env: [] }])
    await handler.loadAllPlugins()
    const status = handler.getStatus()
    expect(status.installed_plugins.data[0]?.permissions).toEqual(expected)
    expect(status.loaded_plugins.map((plugin) => [plugin.name, plugin.permissions])).toEqual([
      ["p", expected],
      ["plain", { network: [], env: [] }],
    ])
  })

  it("an update that asks for more says so in its result; one that asks for less or the same does not", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("p", code("v1"), { permissions: { network: ["a.example.com"] } }))
    await handler.loadPlugin(1)
    const more = await handler.savePlugin(pluginInput("p", code("v2"), { version: "2.0.0", permissions: { network: ["a.example.com", "api.example.com"], env: ["API_TOKEN"] } }), true)
    expect(more).toEqual({
      success: true,
      id: 1,
      message: "Plugin updated successfully; it asks for new permissions: network api.example.com, env API_TOKEN",
      permissions: { added: { network: ["api.example.com"], env: ["API_TOKEN"] } },
    })
    expect(handler.getStatus().loaded_plugins[0]?.permissions).toEqual({ network: ["a.example.com", "api.example.com"], env: ["API_TOKEN"] })
    const fewer = await handler.savePlugin(pluginInput("p", code("v3"), { version: "3.0.0", permissions: { env: ["API_TOKEN"] } }), true)
    expect(fewer).toEqual({ success: true, id: 1, message: "Plugin updated successfully" })
    expect(handler.getAll()[0]?.permissions).toEqual({ network: [], env: ["API_TOKEN"] })
  })

  it("come from a manifest, and a manifest update asking for more says so", async () => {
    const { handler } = setup()
    const dir = tempDir()
    const manifest = join(dir, "manifest.json")
    const write = (version: string, permissions: unknown) => writeFileSync(manifest, JSON.stringify({ name: "m", version, plugin: code(version), permissions }))
    write("1.0.0", { network: ["Status.Example.com:8443"] })
    const installed = await handler.installFromManifestLink(manifest)
    expect(installed.success).toBe(true)
    expect(installed).not.toHaveProperty("permissions")
    expect(handler.getAll()[0]?.permissions).toEqual({ network: ["status.example.com:8443"], env: [] })
    write("1.1.0", { network: ["status.example.com:8443"], env: ["STATUS_TOKEN"] })
    const updated = await handler.installFromManifestLink(manifest, { update: true })
    expect(updated).toEqual({
      success: true,
      id: 1,
      message: `Updated m to 1.1.0 from ${manifest}; it asks for new permissions: env STATUS_TOKEN`,
      permissions: { added: { network: [], env: ["STATUS_TOKEN"] } },
    })
    write("1.2.0", { network: ["*.example.com"] })
    const refused = await handler.installFromManifestLink(manifest, { update: true })
    expect(refused).toMatchObject({ success: false, message: expect.stringMatching(/permissions\.network\.0: "\*\.example\.com" .*wildcards are not supported/) })
  })
})

describe("installs from before keyed digests", () => {
  it("are refused at load until resignPlugins() signs them with the host key", async () => {
    const path = join(tempDir(), "app.db")
    const { db, handler } = setup(path)
    handler.savePlugin(pluginInput("old", code("old")))
    handler.savePlugin(pluginInput("changed", code("changed")))
    // What an install made before keyed digests looks like, and one whose code changed since.
    db.query("UPDATE plugins SET digest = ? WHERE id = 1").run(codeDigest(code("old")))
    db.query("UPDATE plugins SET plugin = ?, digest = ? WHERE id = 2").run(code("evil"), codeDigest(code("changed")))
    const before = await handler.loadAllPlugins()
    expect(before.errors).toEqual([
      { pluginId: 1, error: expect.stringMatching(/unkeyed sha256 .*re-sign it once with handler\.resignPlugins\(\)/) },
      { pluginId: 2, error: expect.stringMatching(/do not match the keyed digest/) },
    ])

    const resigned = handler.resignPlugins()
    expect(resigned).toEqual({
      success: false,
      message: expect.stringMatching(/^Re-signed old \(id 1\); left alone: id 2: its code does not match its digest/),
      resigned: [1],
      skipped: [{ id: 2, reason: expect.stringMatching(/reinstall it/) }],
    })
    expect((await handler.loadAllPlugins()).successes).toEqual([1])
    expect(handler.resignPlugins([1])).toMatchObject({ resigned: [], skipped: [{ id: 1, reason: "already signed with this host's key" }] })
  })
})
