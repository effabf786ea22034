/**
 * The seed's Elysia integrations on Bun against the packages: a real Elysia server (Bun.serve) on a
 * loopback port, a real libSQL file, real fetch, a real HTTP server for the manifest.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "@dockstat/plugin-handler"
import type { AddressInfo } from "node:net"

import { apiApp, basicSetup } from "./seed-elysia.ts"

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// The seed's "Plugin Structure" example, as the demo ships it (its Docker hooks stay idle: no events here).
const examplePlugin = readFileSync(new URL("../../demo/src/example-plugins/example-plugin.js", import.meta.url), "utf8")

const metadata = {
  version: "1.0.0",
  repository: "https://github.com/user/plugin",
  manifest: "https://github.com/user/plugin/manifest.json",
  author: { name: "Developer", email: "dev@example.com" },
  tags: ["monitoring"],
  repoType: "github" as const,
}

function handler(): PluginHandler {
  const dir = mkdtempSync(join(tmpdir(), "dockstat-bun-check-"))
  // The manifest is served on 127.0.0.1 here: a private address, refused unless allowed.
  // A route's deadline far above the default 10 s: a loaded CI machine must not turn a slow answer into a 504.
  const plugins = new PluginHandler(new DB(join(dir, "dockstat.db")), ["API"], { logLevel: "silent", timeoutMs: 60_000, install: { allowPrivateNetwork: true, timeoutMs: 60_000 } })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => plugins.close())
  return plugins
}

/** `.listen(3000)` as in the seed, on a free loopback port instead. */
function listen(app: ReturnType<typeof basicSetup> | ReturnType<typeof apiApp>): string {
  app.listen({ port: 0, hostname: "127.0.0.1" })
  cleanups.push(() => app.stop())
  const port = app.server?.port
  if (port === undefined) throw new Error("Elysia did not start a server")
  return `http://127.0.0.1:${port}`
}

async function serveManifest(body: string): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url !== "/manifest.json") return void response.writeHead(404).end()
    response.writeHead(200, { "content-type": "application/json" }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/manifest.json`
}

/** Status and parsed JSON body; a body that is not JSON fails naming the status and the text. */
async function json(response: Response): Promise<{ status: number; body: any }> {
  const text = await response.text()
  try {
    return { status: response.status, body: JSON.parse(text) }
  } catch {
    throw new Error(`expected a JSON answer, got ${response.status}: ${text}`)
  }
}
const postJson = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe("the seed's Elysia integrations, on Bun", () => {
  it("runs in Bun", () => {
    expect(process.versions.bun).toMatch(/^\d+\.\d+\.\d+/)
  })

  it("Basic Plugin System Setup: status, routes, and a plugin's routes through the proxy", async () => {
    const plugins = handler()
    plugins.savePlugin({ name: "example-plugin", ...metadata, plugin: examplePlugin })
    await plugins.loadAllPlugins()
    const base = listen(basicSetup(plugins))

    const status = await json(await fetch(`${base}/plugins`))
    expect(status.status).toBe(200)
    expect(status.body.installed_plugins.count).toBe(1)
    expect(status.body.loaded_plugins).toEqual([expect.objectContaining({ id: 1, name: "example-plugin", runtime: "sandbox", routes: ["/status", "/save"], table: "plugin_data" })])
    expect(await json(await fetch(`${base}/plugins/routes`))).toEqual({ status: 200, body: [{ id: 1, plugin: "example-plugin", routes: ["/status", "/save"] }] })

    expect(await json(await postJson(`${base}/plugins/1/routes/save`, { data: { cpu: 0.5 } }))).toEqual({ status: 200, body: { success: true } })
    expect(await json(await fetch(`${base}/plugins/1/routes/status`))).toEqual({ status: 200, body: [{ id: 1, data: { cpu: 0.5 } }] })

    // Elysia answers a thrown PluginError with its status and message, as plain text.
    const unknownRoute = await fetch(`${base}/plugins/1/routes/nope`)
    expect([unknownRoute.status, await unknownRoute.text()]).toEqual([404, 'Plugin "example-plugin" has no route "/nope"'])
    const unknownPlugin = await fetch(`${base}/plugins/9/routes/status`)
    expect([unknownPlugin.status, await unknownPlugin.text()]).toEqual([404, "No plugin with id 9"])
    const wrongMethod = await fetch(`${base}/plugins/1/routes/save`)
    expect(wrongMethod.status).toBe(405)
  })

  it("With Elysia API: install from a manifest URL, activate, serve, deactivate, delete", async () => {
    const plugins = handler()
    const base = listen(apiApp(plugins))
    const manifest = await serveManifest(JSON.stringify({ name: "example-plugin", description: "the seed's example", ...metadata, plugin: examplePlugin }))
    const api = `${base}/api/v2/plugins`

    expect(await json(await postJson(`${api}/install`, { url: manifest }))).toEqual({
      status: 200,
      body: { success: true, id: 1, message: `Installed example-plugin@1.0.0 from ${manifest}` },
    })
    expect(await json(await fetch(`${api}/1`))).toEqual({ status: 200, body: expect.objectContaining({ id: 1, name: "example-plugin", description: "the seed's example" }) })

    // Installed, not loaded yet: the proxy answers 503 until the plugin is activated.
    expect((await fetch(`${api}/1/routes/status`)).status).toBe(503)
    expect(await json(await fetch(`${api}/1/activate`, { method: "POST" }))).toEqual({ status: 200, body: { success: true } })
    expect(await json(await postJson(`${api}/1/routes/save`, { data: { cpu: 1 } }))).toEqual({ status: 200, body: { success: true } })
    expect(await json(await fetch(`${api}/1/routes/status`))).toEqual({ status: 200, body: [{ id: 1, data: { cpu: 1 } }] })

    expect(await json(await fetch(`${api}/1/deactivate`, { method: "POST" }))).toEqual({ status: 200, body: { success: true } })
    const deactivated = await fetch(`${api}/1/routes/status`)
    expect([deactivated.status, await deactivated.text()]).toEqual([503, "Plugin 1 is installed but not loaded; activate it first"])

    expect(await json(await fetch(`${api}/1`, { method: "DELETE" }))).toEqual({ status: 200, body: { success: true, message: "Deleted Plugin" } })
    expect(await json(await fetch(`${api}/`))).toEqual({ status: 200, body: { installed_plugins: { count: 0, data: [] }, repos: [], loaded_plugins: [] } })
  })
})
