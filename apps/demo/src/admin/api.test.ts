/**
 * The admin page's JSON API over real HTTP: preview a link (nothing stored), install pinned to the
 * preview, and a plugin's table a page at a time.
 */
import { createServer as createNetServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import type { AddressInfo, Socket } from "node:net"

import { startServer } from "../server.ts"
import type { RunningServer } from "../server.ts"
import { notesManifestJson, notesManifestYaml, notesPluginCode } from "../test-support/notes-plugin.ts"
import { startStaticServer } from "../test-support/static-server.ts"
import type { StaticFile, StaticServer } from "../test-support/static-server.ts"
import { createTempDir } from "../test-support/temp-dir.ts"

const JSON_HEADERS = { "content-type": "application/json" }

const withPermissions = (version: string, network: string[], env: string[]) =>
  JSON.stringify({ name: "notes-api", version, author: { name: "Tester" }, permissions: { network, env }, plugin: notesPluginCode("notes_api") })

describe("admin API", () => {
  const temp = createTempDir()
  let server: RunningServer
  let manifests: StaticServer
  const files: Record<string, StaticFile> = {
    "/json/manifest.json": { body: notesManifestJson("notes-json", "notes_json"), contentType: "application/json" },
    "/yaml/manifest.yaml": { body: notesManifestYaml("notes-yaml", "notes_yaml"), contentType: "application/yaml" },
    "/broken/manifest.json": { body: JSON.stringify({ name: "broken", version: "1.0.0", author: "not an object", plugin: "export default {}" }), contentType: "application/json" },
    "/perm/manifest.json": { body: withPermissions("1.0.0", ["a.example.com"], []), contentType: "application/json" },
  }
  const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) })

  beforeAll(async () => {
    manifests = await startStaticServer(files)
    server = await startServer({ dbPath: temp.file("d.db"), port: 0, logLevel: "silent", docker: false })
  })
  afterAll(async () => {
    await server?.close()
    await manifests?.close()
    temp.remove()
  })

  it("POST /api/v2/plugins/preview answers 503 with Retry-After while two previews are at work", async () => {
    // A manifest host that accepts and never answers: the two previews it holds stay at work.
    const sockets = new Set<Socket>()
    const silent = createNetServer((socket) => void sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/m.json`
    try {
      const held = [post("/api/v2/plugins/preview", { url }), post("/api/v2/plugins/preview", { url })]
      await expect.poll(() => sockets.size, { timeout: 20_000 }).toBe(2)
      const refused = await post("/api/v2/plugins/preview", { url: manifests.url("/json/manifest.json") })
      expect(refused.status).toBe(503)
      expect(refused.headers.get("retry-after")).toBe("1")
      expect(await refused.json()).toMatchObject({ success: false, kind: "busy", message: expect.stringMatching(/maxPreviews 2/) })
      for (const socket of sockets) socket.destroy()
      for (const answer of await Promise.all(held)) expect(answer.status).toBeGreaterThanOrEqual(400)
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
    // Both ended: previews are taken again.
    expect((await post("/api/v2/plugins/preview", { url: manifests.url("/json/manifest.json") })).status).toBe(200)
  })

  it("POST /api/v2/plugins/preview shows a JSON or YAML manifest's plugin and stores nothing", async () => {
    const before = server.handler.getAll().length
    const json = await post("/api/v2/plugins/preview", { url: manifests.url("/json/manifest.json") })
    expect(json.status).toBe(200)
    expect(await json.json()).toMatchObject({ success: true, plugin: { name: "notes-json", version: "1.0.0" }, routes: ["POST /notes", "GET /notes/all"], table: { name: "notes_json", action: "created" }, installed: null })
    const yaml = await post("/api/v2/plugins/preview", { url: manifests.url("/yaml/manifest.yaml") })
    expect(await yaml.json()).toMatchObject({ success: true, plugin: { name: "notes-yaml" }, permissions: { network: [], env: [] } })
    expect(server.handler.getAll()).toHaveLength(before)
  })

  it("a bad link or manifest answers the host's message with the install's status", async () => {
    const missing = await post("/api/v2/plugins/preview", { url: manifests.url("/nothing.json") })
    expect(missing.status).toBe(502)
    expect(await missing.json()).toMatchObject({ success: false, kind: "fetch", message: expect.stringContaining("404") })
    const broken = await post("/api/v2/plugins/preview", { url: manifests.url("/broken/manifest.json") })
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ success: false, kind: "validation", message: expect.stringContaining("author") })
    const local = await post("/api/v2/plugins/preview", { url: "file:///etc/passwd" })
    expect(local.status).toBe(400)
    expect(await local.json()).toMatchObject({ message: expect.stringContaining("http:// or https://") })
    expect((await post("/api/v2/plugins/preview", { nope: true })).status).toBe(400)
  })

  it("an install pinned to a preview: the update's version change and new permissions, and a stale preview refused", async () => {
    const url = manifests.url("/perm/manifest.json")
    const first = (await (await post("/api/v2/plugins/preview", { url })).json()) as { digest: string; permissions: unknown }
    expect(first.permissions).toEqual({ network: ["a.example.com"], env: [] })
    const installed = await post("/api/v2/plugins/install", { url, expectedDigest: first.digest })
    expect(installed.status).toBe(201)
    const { id } = (await installed.json()) as { id: number }

    files["/perm/manifest.json"] = { body: withPermissions("2.0.0", ["a.example.com", "b.example.com"], ["NOTES_TOKEN"]), contentType: "application/json" }
    const update = await post("/api/v2/plugins/preview", { url })
    const preview = (await update.json()) as { digest: string }
    expect(preview).toMatchObject({
      success: true,
      installed: { id, version: "1.0.0", loaded: true },
      change: { from: "1.0.0", to: "2.0.0", addedPermissions: { network: ["b.example.com"], env: ["NOTES_TOKEN"] } },
    })

    // The link changes again after the preview: the confirmation no longer matches it.
    files["/perm/manifest.json"] = { body: withPermissions("2.0.0", ["a.example.com", "b.example.com", "c.example.com"], ["NOTES_TOKEN"]), contentType: "application/json" }
    const stale = await post("/api/v2/plugins/install", { url, update: true, expectedDigest: preview.digest })
    expect(stale.status).toBe(400)
    expect(await stale.json()).toMatchObject({ success: false, kind: "integrity", message: expect.stringContaining("previewed") })
    expect(server.handler.getAll().find((plugin) => plugin.id === id)?.version).toBe("1.0.0")
    expect((await post("/api/v2/plugins/install", { url, expectedDigest: 42 })).status).toBe(400)
  })

  it("GET /api/v2/plugins/:id/table pages a plugin's rows, 50 by default", async () => {
    const installed = await post("/api/v2/plugins/install", { url: manifests.url("/json/manifest.json") })
    const { id } = (await installed.json()) as { id: number }
    for (let index = 1; index <= 60; index += 1) {
      const saved = await post(`/api/v2/plugins/${id}/routes/notes`, { text: `note ${index}`, meta: { index } })
      expect(saved.status).toBe(200)
    }
    const first = await fetch(`${server.url}/api/v2/plugins/${id}/table`)
    expect(first.status).toBe(200)
    const page = (await first.json()) as { rows: { text: string; meta: string }[] }
    expect(page).toMatchObject({ pluginId: id, plugin: "notes-json", table: "notes_json", total: 60, page: 1, pageSize: 50, pages: 2 })
    expect(page.rows).toHaveLength(50)
    expect(page.rows[0]).toEqual({ id: 1, text: "note 1", meta: '{"index":1}' })
    const second = (await (await fetch(`${server.url}/api/v2/plugins/${id}/table?page=2`)).json()) as { rows: { text: string }[] }
    expect(second.rows.map((row) => row.text)).toEqual(Array.from({ length: 10 }, (_, index) => `note ${51 + index}`))
    expect((await fetch(`${server.url}/api/v2/plugins/${id}/table?pageSize=500`)).status).toBe(400)
    expect((await fetch(`${server.url}/api/v2/plugins/${id}/table?page=0`)).status).toBe(400)
    expect((await fetch(`${server.url}/api/v2/plugins/${id}/table?page=x`)).status).toBe(400)
    expect((await fetch(`${server.url}/api/v2/plugins/999/table`)).status).toBe(404)
    // Read-only: nothing but GET is served there.
    expect((await fetch(`${server.url}/api/v2/plugins/${id}/table`, { method: "DELETE" })).status).toBe(404)
  })
})
