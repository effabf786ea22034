/**
 * `previewManifestLink`: everything an install checks, nothing stored; what the plugin asks for and, for an
 * installed plugin, the version change and added permissions. `expectedDigest` pins an install to the preview.
 */
import { createServer } from "node:http"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import type { AddressInfo } from "node:net"

import PluginHandler, { DB } from "./index.ts"
import { previewDigest } from "./preview-plugin.ts"
import { useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function open() {
  const db = new DB(join(tempDir(), "app.db"))
  const handler = new PluginHandler(db, ["API"], { logLevel: "silent", install: { allowPrivateNetwork: true } })
  cleanups.push(async () => {
    await handler.close()
    db.close()
  })
  return { db, handler }
}

/** Serves `files` (mutable: a test can change what a link serves). */
async function serve(files: Record<string, string>): Promise<string> {
  const server = createServer((request, response) => {
    const body = files[new URL(request.url ?? "/", "http://x").pathname]
    if (body === undefined) response.writeHead(404, { "content-type": "text/plain" }).end("not found")
    else response.writeHead(200, { "content-type": request.url?.endsWith(".yaml") ? "application/yaml" : "application/json" }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function dump(db: DB): string {
  const tables = db.query("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").all()
  return JSON.stringify(tables.map((table) => ({ ...table, rows: String(table.sql ?? "").startsWith("CREATE TABLE") ? db.query(`SELECT * FROM "${String(table.name)}" ORDER BY rowid`).all() : [] })))
}

const code = (answer: string, table = "pinger_rows") =>
  `export default { config: { table: { name: "${table}", columns: { id: column.id(), at: column.date() } }, apiRoutes: { "/ping": { actions: ["ping"] }, "POST /log": { actions: ["ping"] } }, actions: { ping: () => "${answer}" } }, events: { onContainerStart: () => {} } }`

const manifest = (version: string, permissions: Record<string, string[]>, table?: string) =>
  JSON.stringify({ name: "pinger", version, description: "Pings", author: { name: "Tester" }, permissions, plugin: code(version, table) })

const yamlManifest = `name: pinger
version: "1.0.0"
author: { name: Tester }
permissions:
  network: [API.example.com, hooks.example.com:8443]
  env: [API_TOKEN]
plugin: |
  ${code("1.0.0")}
`

describe("previewManifestLink", () => {
  it("shows a new plugin's permissions, routes, hooks and table, and stores nothing", async () => {
    const url = await serve({ "/m.yaml": yamlManifest })
    const { db, handler } = open()
    const before = dump(db)

    const preview = await handler.previewManifestLink(`${url}/m.yaml`)

    expect(preview).toMatchObject({
      success: true,
      message: "pinger@1.0.0 can be installed",
      source: `${url}/m.yaml`,
      plugin: { name: "pinger", version: "1.0.0", author: { name: "Tester" } },
      permissions: { network: ["api.example.com", "hooks.example.com:8443"], env: ["API_TOKEN"] },
      runtime: "sandbox",
      routes: ["GET /ping", "POST /log"],
      hooks: ["onContainerStart"],
      table: { name: "pinger_rows", action: "created" },
      installed: null,
      change: null,
    })
    expect(preview.success && preview.digest).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/)
    expect(dump(db)).toBe(before)
    expect(handler.getAll()).toEqual([])
    expect(handler.getLoadedPlugins()).toEqual([])
  })

  it("for an installed plugin: the version change and only the permissions the new version adds", async () => {
    const files: Record<string, string> = { "/m.json": manifest("1.0.0", { network: ["a.example.com"] }) }
    const url = await serve(files)
    const { db, handler } = open()
    const installed = await handler.installFromManifestLink(`${url}/m.json`)
    if (!installed.success) throw new Error(installed.message)
    await handler.activatePlugin(installed.id)
    files["/m.json"] = manifest("1.1.0", { network: ["a.example.com", "b.example.com"], env: ["TOKEN"] })
    const before = dump(db)

    const preview = await handler.previewManifestLink(`${url}/m.json`)

    expect(preview).toMatchObject({
      success: true,
      message: `pinger 1.0.0 is installed (id ${installed.id}); this link has 1.1.0`,
      installed: { id: installed.id, version: "1.0.0", enabled: true, loaded: true, permissions: { network: ["a.example.com"], env: [] } },
      change: { from: "1.0.0", to: "1.1.0", addedPermissions: { network: ["b.example.com"], env: ["TOKEN"] } },
      table: { name: "pinger_rows", action: "unchanged" },
    })
    expect(dump(db)).toBe(before)
    // The running version still serves.
    expect(await handler.handleRoute(installed.id, "/ping", new Request("http://x/ping"))).toBe("1.0.0")
  })

  it("fails as the install would: a bad link, a bad manifest, broken code, a table of another plugin", async () => {
    const url = await serve({
      "/bad.json": JSON.stringify({ name: "pinger", version: "1.0.0", author: { name: "x" }, permissions: { network: ["*.example.com"] }, plugin: code("1") }),
      "/syntax.json": JSON.stringify({ name: "syntax", version: "1.0.0", author: {}, plugin: "export default {" }),
      "/first.json": JSON.stringify({ name: "first", version: "1.0.0", author: {}, plugin: code("1", "shared_rows") }),
      "/second.json": JSON.stringify({ name: "second", version: "1.0.0", author: {}, plugin: code("1", "shared_rows") }),
    })
    const { handler } = open()
    expect(await handler.previewManifestLink(`${url}/missing.json`)).toMatchObject({ success: false, kind: "fetch", message: expect.stringContaining("404") })
    expect(await handler.previewManifestLink(`${url}/bad.json`)).toMatchObject({ success: false, kind: "validation", message: expect.stringContaining("*.example.com") })
    expect(await handler.previewManifestLink(`${url}/syntax.json`)).toMatchObject({ success: false, kind: "invalid-plugin", message: expect.stringMatching(/syntax.*line 1/i) })
    expect(await handler.installFromManifestLink(`${url}/first.json`)).toMatchObject({ success: true })
    expect(await handler.previewManifestLink(`${url}/second.json`)).toMatchObject({ success: false, kind: "conflict", message: expect.stringContaining('belongs to plugin "first"') })
    expect(await handler.previewManifestLink("")).toMatchObject({ success: false, kind: "validation" })
  })

  it("an install pinned to a preview's digest refuses a link that changed since, and installs one that did not", async () => {
    const files: Record<string, string> = { "/m.json": manifest("1.0.0", {}) }
    const url = await serve(files)
    const { db, handler } = open()
    const preview = await handler.previewManifestLink(`${url}/m.json`)
    if (!preview.success) throw new Error(preview.message)

    // Same version, same code: only a permission more.
    files["/m.json"] = manifest("1.0.0", { env: ["SECRET"] })
    const before = dump(db)
    const refused = await handler.installFromManifestLink(`${url}/m.json`, { expectedDigest: preview.digest })
    expect(refused).toMatchObject({ success: false, kind: "integrity", message: expect.stringContaining("other than what was previewed") })
    expect(dump(db)).toBe(before)

    files["/m.json"] = manifest("1.0.0", {})
    expect(await handler.installFromManifestLink(`${url}/m.json`, { expectedDigest: preview.digest })).toMatchObject({ success: true })
  })

  it("says what an update allowed to lose data loses, and a digest taken without allowDataLoss does not install it", async () => {
    const withColumns = (version: string, columns: string, allowDataLoss?: boolean) =>
      JSON.stringify({
        name: "notes",
        version,
        author: { name: "Tester" },
        ...(allowDataLoss === undefined ? {} : { allowDataLoss }),
        plugin: `export default { config: { table: { name: "notes", columns: { id: column.id(), ${columns} } }, apiRoutes: { "/n": { actions: ["n"] } }, actions: { n: () => 1 } } }`,
      })
    const files: Record<string, string> = { "/m.json": withColumns("1.0.0", "title: column.text(), secret: column.text()") }
    const url = await serve(files)
    const { handler } = open()
    expect(await handler.installFromManifestLink(`${url}/m.json`)).toMatchObject({ success: true })

    files["/m.json"] = withColumns("2.0.0", "title: column.text()", true)
    const lossy = await handler.previewManifestLink(`${url}/m.json`)
    if (!lossy.success) throw new Error(lossy.message)
    expect(lossy.table).toMatchObject({ name: "notes", action: "migrated", dataLoss: [expect.stringContaining("secret")] })

    // The same manifest without allowDataLoss is refused, and the digest an admin consents to covers the flag.
    files["/m.json"] = withColumns("2.0.0", "title: column.text()", false)
    expect(await handler.previewManifestLink(`${url}/m.json`)).toMatchObject({ success: false, message: expect.stringContaining("would lose data") })
    const input = { name: "notes", version: "2.0.0", repoType: "local", repository: "x", manifest: "x", author: {}, plugin: "export default {}" } as const
    expect(previewDigest({ ...input, allowDataLoss: true })).not.toBe(previewDigest(input))
    expect(previewDigest({ ...input, allowDataLoss: false })).toBe(previewDigest(input))
  })
})

describe("getTableRows", () => {
  it("pages a plugin's table 50 rows at a time, loaded or not, in insertion order", async () => {
    const { handler, db } = open()
    const saved = handler.savePlugin({
      name: "rows",
      version: "1.0.0",
      repository: "https://example.com",
      manifest: "https://example.com/m.json",
      author: {},
      repoType: "default",
      plugin: `export default { config: { table: { name: "many_rows", columns: { id: column.id(), n: column.integer(), meta: column.json(), on: column.boolean() } } } }`,
    })
    if (!saved.success) throw new Error(saved.message)
    const instance = await handler.loadPlugin(saved.id)
    instance.table?.insert(Array.from({ length: 120 }, (_, index) => ({ n: index + 1, meta: { index }, on: index % 2 === 0 })))

    const first = handler.getTableRows(saved.id)
    expect(first).toMatchObject({ pluginId: saved.id, plugin: "rows", table: "many_rows", total: 120, page: 1, pageSize: 50, pages: 3 })
    expect(first.columns.map((column) => column.name)).toEqual(["id", "n", "meta", "on"])
    expect(first.rows).toHaveLength(50)
    expect(first.rows[0]).toEqual({ id: 1, n: 1, meta: '{"index":0}', on: 1 })

    handler.deactivatePlugin(saved.id)
    const last = handler.getTableRows(saved.id, { page: 3 })
    expect(last.rows.map((row) => row.n)).toEqual(Array.from({ length: 20 }, (_, index) => 101 + index))
    expect(handler.getTableRows(saved.id, { page: 4 }).rows).toEqual([])
    expect(handler.getTableRows(saved.id, { pageSize: 0 })).toMatchObject({ total: 120, rows: [] })

    expect(() => handler.getTableRows(saved.id, { pageSize: 201 })).toThrow(/at most 200/)
    expect(() => handler.getTableRows(saved.id, { page: 0 })).toThrow(/page must be an integer of at least 1/)
    expect(() => handler.getTableRows(999)).toThrow(expect.objectContaining({ status: 404 }))
    // Reading wrote nothing.
    expect(db.query('SELECT count(*) AS n FROM "many_rows"').get()).toEqual({ n: 120 })
  })

  it("cuts huge values in SQL when asked, so a view never holds them whole", async () => {
    const { handler } = open()
    const saved = handler.savePlugin({ name: "big", version: "1.0.0", repository: "r", manifest: "m", author: {}, repoType: "default", plugin: `export default { config: { table: { name: "big_rows", columns: { id: column.id(), text: column.text(), bytes: column.blob(), n: column.integer() } } } }` })
    if (!saved.success) throw new Error(saved.message)
    const instance = await handler.loadPlugin(saved.id)
    instance.table?.insert({ text: "é".repeat(1_000_000), bytes: new Uint8Array(50_000), n: 123456789 })
    instance.table?.insert({ text: "short", bytes: new Uint8Array(3), n: 1 })
    const [cut, small] = handler.getTableRows(saved.id, { maxValueLength: 200 }).rows
    expect(cut).toEqual({ id: 1, text: "é".repeat(201), bytes: expect.any(Uint8Array), n: 123456789 })
    expect((cut?.bytes as Uint8Array).byteLength).toBe(201)
    expect(small).toEqual({ id: 2, text: "short", bytes: expect.any(Uint8Array), n: 1 })
    expect((small?.bytes as Uint8Array).byteLength).toBe(3)
    expect(String(handler.getTableRows(saved.id).rows[0]?.text)).toHaveLength(1_000_000)
    expect(() => handler.getTableRows(saved.id, { maxValueLength: 0 })).toThrow(/maxValueLength/)
  })

  it("a plugin without a table has none to show", async () => {
    const { handler } = open()
    const saved = handler.savePlugin({ name: "bare", version: "1.0.0", repository: "r", manifest: "m", author: {}, repoType: "default", plugin: "export default {}" })
    if (!saved.success) throw new Error(saved.message)
    expect(handler.getTableRows(saved.id)).toMatchObject({ table: null, total: 0, pages: 0, rows: [], columns: [] })
  })

  it("runs the linked code in the sandbox even when the installed plugin of that name is trusted inline", async () => {
    const files = { "/m.json": manifest("1.0.0", {}) }
    const url = await serve(files)
    const { handler } = open()
    const installed = await handler.installFromManifestLink(`${url}/m.json`, { runtime: "inline" })
    expect(installed.success).toBe(true)
    // The next version's top level reaches for the host: inline it would set a global of the host process.
    files["/m.json"] = JSON.stringify({ ...JSON.parse(manifest("2.0.0", {})), plugin: `globalThis.__dockstatPreviewRan = typeof process;\n${code("2.0.0")}` })
    const preview = await handler.previewManifestLink(`${url}/m.json`)
    expect(preview.success).toBe(true)
    expect((globalThis as Record<string, unknown>).__dockstatPreviewRan).toBeUndefined()
    expect(preview.success && preview.runtime).toBe("sandbox")
  })
})

describe("previews at work at once", () => {
  it("answers busy past maxPreviews at once, naming the limit, and takes previews again when one ends", async () => {
    // A manifest server that holds its answers until released.
    const waiting: (() => void)[] = []
    const server = createServer((_request, response) => {
      waiting.push(() => response.writeHead(200, { "content-type": "application/json" }).end(manifest("1.0.0", { network: [], env: [] })))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.json`
    const db = new DB(join(tempDir(), "app.db"))
    const handler = new PluginHandler(db, ["API"], { logLevel: "silent", install: { allowPrivateNetwork: true }, maxPreviews: 2 })
    cleanups.push(async () => {
      await handler.close()
      db.close()
    })

    const first = handler.previewManifestLink(url)
    const second = handler.previewManifestLink(url)
    expect(await handler.previewManifestLink(url)).toEqual({ success: false, kind: "busy", message: "2 previews are at work already (maxPreviews 2): try again when one has ended" })
    await expect.poll(() => waiting.length, { timeout: 20_000 }).toBe(2)
    for (const release of waiting.splice(0)) release()
    expect(await first).toMatchObject({ success: true })
    expect(await second).toMatchObject({ success: true })
    // Both ended: a preview is taken again.
    const third = handler.previewManifestLink(url)
    await expect.poll(() => waiting.length, { timeout: 20_000 }).toBe(1)
    for (const release of waiting.splice(0)) release()
    expect(await third).toMatchObject({ success: true, plugin: { name: "pinger" } })
    expect(() => new PluginHandler(db, [], { maxPreviews: 0 })).toThrow("maxPreviews must be a whole number of at least 1, got 0")
  })
})
