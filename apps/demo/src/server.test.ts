import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DB } from "@dockstat/plugin-handler"

import { startServer } from "./server.ts"
import { notesManifestJson, notesManifestYaml } from "./test-support/notes-plugin.ts"
import { closedPortUrl, startStaticServer } from "./test-support/static-server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

import type { RunningServer } from "./server.ts"
import type { StaticServer } from "./test-support/static-server.ts"

const JSON_HEADERS = { "content-type": "application/json" }

/** Reads rows through a second connection to the server's file: proof the data reached the database. */
function rowsOnDisk(path: string, table: string): Record<string, unknown>[] {
  const db = new DB(path)
  try {
    return db.query(`SELECT * FROM "${table}" ORDER BY rowid`).all()
  } finally {
    db.close()
  }
}

function tableOnDisk(path: string, table: string): boolean {
  const db = new DB(path)
  try {
    return db.tableExists(table)
  } finally {
    db.close()
  }
}

describe("demo server (real HTTP, real libSQL file)", () => {
  const temp = createTempDir()
  const dbPath = temp.file("data/dockstat.db")
  let server: RunningServer
  let manifests: StaticServer

  const api = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init)
  const post = (path: string, body?: unknown) =>
    api(path, { method: "POST", headers: JSON_HEADERS, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const pluginId = (name: string) => {
    const plugin = server.handler.getAll().find((candidate) => candidate.name === name)
    if (!plugin) throw new Error(`${name} is not installed`)
    return plugin.id
  }
  const install = async (name: string, path: string) => {
    const response = await post("/api/v2/plugins/install", { url: manifests.url(path) })
    const body = (await response.json()) as { success: boolean; id: number; message: string }
    expect(response.status, body.message).toBe(201)
    return body.id
  }

  beforeAll(async () => {
    manifests = await startStaticServer({
      "/notes/manifest.json": { body: notesManifestJson("notes-json", "notes_json"), contentType: "application/json" },
      "/notes/manifest.yaml": { body: notesManifestYaml("notes-yaml", "notes_yaml"), contentType: "application/yaml" },
      "/other/manifest.json": { body: notesManifestJson("notes-other", "notes_other"), contentType: "application/json" },
      "/broken/manifest.json": {
        body: JSON.stringify({ name: "broken", version: "1.0.0", author: "not an object", plugin: "export default {}" }),
        contentType: "application/json",
      },
    })
    server = await startServer({ dbPath, port: 0, hostname: "127.0.0.1", logLevel: "silent", docker: false })
  })

  afterAll(async () => {
    await server?.close()
    await manifests?.close()
    temp.remove()
  })

  it("answers /health and serves on the port the OS chose", async () => {
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    const response = await api("/health")
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  it("installs the example plugins on first start and loads them", async () => {
    const response = await api("/api/v2/plugins")
    const status = (await response.json()) as { installed_plugins: { count: number; data: { name: string }[] }; loaded_plugins: { name: string }[] }
    expect(status.installed_plugins.data.map((plugin) => plugin.name)).toEqual(expect.arrayContaining(["example-plugin", "data-processor"]))
    expect(status.loaded_plugins.map((plugin) => plugin.name)).toEqual(expect.arrayContaining(["example-plugin", "data-processor"]))
  })

  it("lists the loaded plugins' routes at /plugins/routes", async () => {
    const response = await api("/plugins/routes")
    expect(response.status).toBe(200)
    const routes = (await response.json()) as { id: number; plugin: string; routes: string[] }[]
    expect(routes).toEqual(
      expect.arrayContaining([
        { id: pluginId("example-plugin"), plugin: "example-plugin", routes: ["/status", "/save"] },
        { id: pluginId("data-processor"), plugin: "data-processor", routes: ["/process"] },
      ]),
    )
  })

  it("serves the seed's status endpoint at /plugins", async () => {
    const response = await api("/plugins")
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ installed_plugins: { count: expect.any(Number) }, repos: expect.arrayContaining(["local"]) })
  })

  it("returns one plugin's metadata, and 404 JSON for an unknown or malformed id", async () => {
    const id = pluginId("example-plugin")
    const found = await api(`/api/v2/plugins/${id}`)
    expect(found.status).toBe(200)
    const metadata = (await found.json()) as Record<string, unknown>
    expect(metadata).toMatchObject({ id, name: "example-plugin", version: "1.0.0", repoType: "local" })
    expect(metadata).not.toHaveProperty("plugin")

    for (const missing of ["99999", "abc"]) {
      const response = await api(`/api/v2/plugins/${missing}`)
      expect(response.status).toBe(404)
      expect(await response.json()).toMatchObject({ error: "PLUGIN_NOT_FOUND", message: expect.stringContaining(missing) })
    }
  })

  it("round-trips example-plugin's /save and /status, on both mounts", async () => {
    const id = pluginId("example-plugin")
    const saved = await post(`/api/v2/plugins/${id}/routes/save`, { data: { container: "web", cpu: 12.5 } })
    expect(saved.status).toBe(200)
    expect(await saved.json()).toEqual({ success: true })

    const status = await api(`/plugins/${id}/routes/status`)
    expect(status.status).toBe(200)
    expect(await status.json()).toContainEqual({ id: expect.any(Number), data: { container: "web", cpu: 12.5 } })
    expect(rowsOnDisk(dbPath, "plugin_data")).toContainEqual({ id: expect.any(Number), data: JSON.stringify({ container: "web", cpu: 12.5 }) })
  })

  it("serves a plugin's HTML answer sandboxed (no script, an origin of its own) and drops the cookies it sets", async () => {
    const saved = server.handler.savePlugin({
      name: "html-page",
      version: "1.0.0",
      repoType: "local",
      repository: "local",
      manifest: "local",
      author: { name: "test" },
      plugin: `import { reply } from "@dockstat/plugin-handler"
export default { config: { apiRoutes: { "/page": { method: "GET", actions: ["page"] } }, actions: {
  page: () => reply("<script>fetch('/api/v2/plugins/1/deactivate', { method: 'POST' })</script>", {
    headers: { "content-type": "text/html", "set-cookie": "dockstat_admin=attacker; Path=/" },
  }),
} } }`,
    })
    if (!saved.success) throw new Error(saved.message)
    await server.handler.loadPlugin(saved.id)
    for (const path of [`/api/v2/plugins/${saved.id}/routes/page`, `/plugins/${saved.id}/routes/page`, `/api/v2/plugins/${saved.id}/routes/nothing`]) {
      const response = await api(path)
      expect(response.headers.get("content-security-policy"), path).toBe("sandbox")
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff")
      expect(response.headers.get("set-cookie"), path).toBeNull()
      await response.text()
    }
    const page = await api(`/api/v2/plugins/${saved.id}/routes/page`)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toBe("text/html")
    expect(await page.text()).toContain("<script>")
    const json = await api(`/api/v2/plugins/${pluginId("example-plugin")}/routes/status`)
    expect(json.headers.get("content-security-policy")).toBe("sandbox")
    await json.text()
  })

  it("runs example-plugin's container hooks through the handler", async () => {
    const report = await server.handler.emit("onContainerStart", { container: { id: "c0ffee" } })
    expect(report.results).toEqual([
      { pluginId: pluginId("example-plugin"), plugin: "example-plugin", status: "ok", ms: expect.any(Number) },
      { pluginId: pluginId("container-events"), plugin: "container-events", status: "ok", ms: expect.any(Number) },
    ])
    const events = await (await api(`/api/v2/plugins/${pluginId("container-events")}/routes/events`)).json()
    expect(events).toEqual([expect.objectContaining({ hook: "start", containerId: "c0ffee" })])
    expect(server.handler.getHookHandlers().get(pluginId("example-plugin"))).toHaveProperty("onContainerStop")
  })

  it("runs data-processor's five-action /process chain and stores the row", async () => {
    const id = pluginId("data-processor")
    const response = await post(`/api/v2/plugins/${id}/routes/process`, { message: "  disk almost full  ", level: "warn" })
    expect(response.status).toBe(200)
    const result = (await response.json()) as { success: boolean; id: number }
    expect(result).toEqual({ success: true, id: expect.any(Number) })

    const row = rowsOnDisk(dbPath, "processed_items").find((candidate) => candidate.id === result.id)
    expect(row).toMatchObject({ message: "disk almost full", payload: JSON.stringify({ message: "  disk almost full  ", level: "warn" }) })
    expect(Number.isNaN(Date.parse(String(row?.processedAt)))).toBe(false)
  })

  it("lets data-processor parse a text body as JSON, as the seed's parseInput does", async () => {
    const id = pluginId("data-processor")
    const response = await api(`/api/v2/plugins/${id}/routes/process`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ message: "from text" }),
    })
    expect(await response.json()).toEqual({ success: true, id: expect.any(Number) })
  })

  it("reports data-processor input that fails validation without storing it", async () => {
    const id = pluginId("data-processor")
    const before = rowsOnDisk(dbPath, "processed_items").length
    const response = await post(`/api/v2/plugins/${id}/routes/process`, { message: "   " })
    expect(await response.json()).toMatchObject({ success: false, valid: false, error: expect.stringContaining("message") })
    expect(rowsOnDisk(dbPath, "processed_items")).toHaveLength(before)
  })

  it("installs a JSON manifest from a URL, activates it and stores what its route receives", async () => {
    const id = await install("notes-json", "/notes/manifest.json")
    // The install activated it already; activating again is harmless.
    expect(server.handler.getLoadedPlugins()).toContain(id)

    const activated = await post(`/api/v2/plugins/${id}/activate`)
    expect(activated.status).toBe(200)
    expect(await activated.json()).toEqual({ success: true })

    const created = await post(`/api/v2/plugins/${id}/routes/notes`, { text: "hello from fetch", meta: { tags: ["a"] } })
    expect(created.status).toBe(200)
    const { id: noteId } = (await created.json()) as { id: number }

    expect(rowsOnDisk(dbPath, "notes_json")).toEqual([{ id: noteId, text: "hello from fetch", meta: JSON.stringify({ tags: ["a"] }) }])
  })

  it("installs a YAML manifest the same way", async () => {
    const id = await install("notes-yaml", "/notes/manifest.yaml")
    expect((await post(`/api/v2/plugins/${id}/activate`)).status).toBe(200)

    const created = await post(`/api/v2/plugins/${id}/routes/notes`, { text: "from yaml" })
    expect(created.status).toBe(200)
    expect(rowsOnDisk(dbPath, "notes_yaml")).toEqual([{ id: 1, text: "from yaml", meta: null }])

    const listed = await api(`/api/v2/plugins/${id}/routes/notes/all`)
    expect(await listed.json()).toEqual([{ id: 1, text: "from yaml", meta: null }])
  })

  it("refuses an install body without a url, naming the field", async () => {
    for (const body of [{}, { url: 42 }, { url: "  " }]) {
      const response = await post("/api/v2/plugins/install", body)
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ success: false, message: expect.stringContaining('"url"') })
    }
    const notJson = await api("/api/v2/plugins/install", { method: "POST", headers: JSON_HEADERS, body: "{nope" })
    expect(notJson.status).toBe(400)
  })

  it("refuses to install from a local path over HTTP", async () => {
    const response = await post("/api/v2/plugins/install", { url: "/etc/passwd" })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ success: false, message: expect.stringContaining("http") })
  })

  it("answers 400 with the validator's message for a bad manifest, and stores nothing", async () => {
    const before = server.handler.getAll().length
    const response = await post("/api/v2/plugins/install", { url: manifests.url("/broken/manifest.json") })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { success: boolean; message: string; kind: string }
    expect(body).toMatchObject({ success: false, kind: "validation" })
    expect(body.message).toContain("author")
    expect(server.handler.getAll()).toHaveLength(before)
  })

  it("answers 502 when the manifest's server is unreachable or has no such file", async () => {
    const unreachable = await post("/api/v2/plugins/install", { url: await closedPortUrl("/manifest.json") })
    expect(unreachable.status).toBe(502)
    expect(await unreachable.json()).toMatchObject({ success: false, kind: "unreachable" })

    const missing = await post("/api/v2/plugins/install", { url: manifests.url("/nothing/manifest.json") })
    expect(missing.status).toBe(502)
    expect(await missing.json()).toMatchObject({ success: false, kind: "fetch", message: expect.stringContaining("404") })
  })

  it("answers 409 when a plugin of that name is installed already", async () => {
    await install("notes-other", "/other/manifest.json")
    const again = await post("/api/v2/plugins/install", { url: manifests.url("/other/manifest.json") })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ success: false, kind: "conflict", message: expect.stringContaining("notes-other") })
  })

  it("answers 404 JSON listing the routes for an unknown plugin route, and for an unknown plugin", async () => {
    const id = pluginId("example-plugin")
    const response = await api(`/api/v2/plugins/${id}/routes/nope`)
    expect(response.status).toBe(404)
    expect(response.headers.get("content-type")).toContain("application/json")
    expect(await response.json()).toMatchObject({ error: "ROUTE_NOT_FOUND", routes: ["/status", "/save"] })

    const unknownPlugin = await api("/api/v2/plugins/99999/routes/status")
    expect(unknownPlugin.status).toBe(404)
    expect(await unknownPlugin.json()).toMatchObject({ error: "PLUGIN_NOT_FOUND" })
  })

  it("answers 405 with Allow for a method the route does not accept", async () => {
    const id = pluginId("example-plugin")
    const response = await api(`/api/v2/plugins/${id}/routes/save`, { method: "GET" })
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("POST")
    expect(await response.json()).toMatchObject({ error: "METHOD_NOT_ALLOWED" })
  })

  it("answers 503 for a deactivated plugin's routes, and serves them again once reactivated", async () => {
    const id = pluginId("example-plugin")
    const deactivated = await post(`/api/v2/plugins/${id}/deactivate`)
    expect(deactivated.status).toBe(200)
    expect(await deactivated.json()).toMatchObject({ success: true })

    const response = await api(`/api/v2/plugins/${id}/routes/status`)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: "PLUGIN_NOT_LOADED" })

    expect((await post(`/api/v2/plugins/${id}/activate`)).status).toBe(200)
    expect((await api(`/api/v2/plugins/${id}/routes/status`)).status).toBe(200)
  })

  it("answers activate for an unknown plugin with the PluginError's 404", async () => {
    const response = await post("/api/v2/plugins/99999/activate")
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ success: false, message: expect.stringContaining("99999") })
  })

  it("deletes a plugin: 200, then 404 for it and its routes; the table stays unless dropTable=true", async () => {
    const id = pluginId("notes-json")
    const deleted = await api(`/api/v2/plugins/${id}`, { method: "DELETE" })
    expect(deleted.status).toBe(200)
    expect(await deleted.json()).toEqual({ success: true, message: "Deleted Plugin" })

    expect((await api(`/api/v2/plugins/${id}`)).status).toBe(404)
    expect((await api(`/api/v2/plugins/${id}/routes/notes/all`)).status).toBe(404)
    expect((await api(`/api/v2/plugins/${id}`, { method: "DELETE" })).status).toBe(404)
    expect(tableOnDisk(dbPath, "notes_json")).toBe(true)

    const yamlId = pluginId("notes-yaml")
    expect((await api(`/api/v2/plugins/${yamlId}?dropTable=true`, { method: "DELETE" })).status).toBe(200)
    expect(tableOnDisk(dbPath, "notes_yaml")).toBe(false)
  })

  it("answers unknown paths with 404 JSON", async () => {
    const response = await api("/nothing/here")
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: "NOT_FOUND" })
  })
})

describe("demo server restarts", () => {
  it("does not install the example plugins again on a second start with the same file", async () => {
    const temp = createTempDir()
    try {
      const dbPath = temp.file("restart.db")
      const first = await startServer({ dbPath, port: 0, logLevel: "silent", docker: false })
      const firstIds = first.handler.getAll().map((plugin) => [plugin.id, plugin.name])
      await first.close()

      const second = await startServer({ dbPath, port: 0, logLevel: "silent", docker: false })
      try {
        expect(second.handler.getAll().map((plugin) => [plugin.id, plugin.name])).toEqual(firstIds)
        expect(firstIds.map(([, name]) => name)).toEqual(["example-plugin", "data-processor", "container-events"])
        expect(second.handler.getLoadedPlugins()).toHaveLength(3)
      } finally {
        await second.close()
      }
    } finally {
      temp.remove()
    }
  })

  it("starts when a plugin fails to load, serving the others and answering 503 for it", async () => {
    const temp = createTempDir()
    try {
      const dbPath = temp.file("tampered.db")
      await (await startServer({ dbPath, port: 0, logLevel: "silent", docker: false })).close()
      // Code changed behind the handler's back no longer matches its digest: the loader refuses it.
      const db = new DB(dbPath)
      db.query("UPDATE plugins SET plugin = plugin || '\n// changed' WHERE name = 'data-processor'").run()
      db.close()

      const server = await startServer({ dbPath, port: 0, logLevel: "silent", docker: false })
      try {
        const byName = new Map(server.handler.getAll().map((plugin) => [plugin.name, plugin.id]))
        expect(server.handler.getLoadedPlugins()).toEqual([byName.get("example-plugin"), byName.get("container-events")])
        expect((await fetch(`${server.url}/api/v2/plugins/${byName.get("example-plugin")}/routes/status`)).status).toBe(200)
        expect((await fetch(`${server.url}/api/v2/plugins/${byName.get("data-processor")}/routes/process`, { method: "POST" })).status).toBe(503)

        const activate = await fetch(`${server.url}/api/v2/plugins/${byName.get("data-processor")}/activate`, { method: "POST" })
        expect(activate.status).toBe(500)
        expect(await activate.json()).toEqual({ success: false, message: expect.stringContaining("digest") })
      } finally {
        await server.close()
      }
    } finally {
      temp.remove()
    }
  })

  it("starts without examples when asked, and frees the port and the file on close", async () => {
    const temp = createTempDir()
    try {
      const dbPath = temp.file("empty.db")
      const server = await startServer({ dbPath, port: 0, logLevel: "silent", installExamples: false, docker: false })
      expect(server.handler.getAll()).toEqual([])
      const response = await fetch(`${server.url}/api/v2/plugins`)
      expect(await response.json()).toMatchObject({ installed_plugins: { count: 0 } })
      await server.close()
      await server.close()
      await expect(fetch(`${server.url}/health`)).rejects.toThrow()
    } finally {
      temp.remove()
    }
  })

  it("refuses a port that is taken and leaves nothing open", async () => {
    const temp = createTempDir()
    const holder = await startServer({ dbPath: temp.file("a.db"), port: 0, logLevel: "silent", installExamples: false, docker: false })
    try {
      await expect(startServer({ dbPath: temp.file("b.db"), port: holder.port, logLevel: "silent", installExamples: false, docker: false })).rejects.toThrow(/EADDRINUSE/)
    } finally {
      await holder.close()
      temp.remove()
    }
  })
})
