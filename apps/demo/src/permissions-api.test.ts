import { afterAll, beforeAll, describe, expect, it } from "vitest"
import PluginHandler, { DB } from "@dockstat/plugin-handler"

import { createApp } from "./app.ts"
import { notesManifestJson } from "./test-support/notes-plugin.ts"
import { startStaticServer } from "./test-support/static-server.ts"

import type { StaticServer } from "./test-support/static-server.ts"

const JSON_HEADERS = { "content-type": "application/json" }

function manifest(version: string, permissions: unknown): string {
  return JSON.stringify({ ...(JSON.parse(notesManifestJson("asks", "asks_notes")) as object), version, permissions })
}

describe("permissions in the demo's HTTP API", () => {
  const db = new DB(":memory:")
  const handler = new PluginHandler(db, ["API"], { runtime: "inline", logLevel: "silent", install: { allowPrivateNetwork: true } })
  const app = createApp(handler)
  let manifests: StaticServer

  beforeAll(async () => {
    manifests = await startStaticServer({
      "/v1.json": { body: manifest("1.0.0", { network: ["Api.Example.com"] }), contentType: "application/json" },
      "/v2.json": { body: manifest("2.0.0", { network: ["api.example.com", "hooks.example.com:8443"], env: ["API_TOKEN"] }), contentType: "application/json" },
      "/bad.json": { body: manifest("3.0.0", { env: ["API TOKEN"] }), contentType: "application/json" },
    })
  })

  afterAll(async () => {
    await manifests?.close()
    await handler.close()
    db.close()
  })

  const install = async (path: string, update = false) => {
    const response = await app.request("/api/v2/plugins/install", { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ url: manifests.url(path), update }) })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it("shows them in the plugin list (installed and loaded) and in one plugin's metadata", async () => {
    expect((await install("/v1.json")).status).toBe(201)
    await handler.loadPlugin(1)
    const status = (await (await app.request("/api/v2/plugins")).json()) as { installed_plugins: { data: { permissions: unknown }[] }; loaded_plugins: { permissions: unknown }[] }
    expect(status.installed_plugins.data.map((plugin) => plugin.permissions)).toEqual([{ network: ["api.example.com"], env: [] }])
    expect(status.loaded_plugins.map((plugin) => plugin.permissions)).toEqual([{ network: ["api.example.com"], env: [] }])
    expect(await (await app.request("/api/v2/plugins/1")).json()).toMatchObject({ id: 1, permissions: { network: ["api.example.com"], env: [] } })
  })

  it("answers an update asking for more with what it adds", async () => {
    const updated = await install("/v2.json", true)
    expect(updated).toEqual({
      status: 201,
      body: {
        success: true,
        id: 1,
        message: expect.stringMatching(/; it asks for new permissions: network hooks\.example\.com:8443, env API_TOKEN$/),
        permissions: { added: { network: ["hooks.example.com:8443"], env: ["API_TOKEN"] } },
        running: true,
      },
    })
    const bad = await install("/bad.json", true)
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/permissions\.env\.0: "API TOKEN" is not an environment variable name/)
    expect(handler.getAll()[0]).toMatchObject({ version: "2.0.0", permissions: { network: ["api.example.com", "hooks.example.com:8443"], env: ["API_TOKEN"] } })
  })
})
