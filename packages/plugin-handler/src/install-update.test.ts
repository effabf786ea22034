/**
 * Installing and updating safely: anything that fails leaves the database exactly as it was (compared
 * by a dump of every table), updates keep ids and rows, and a plugin keeps serving through its update.
 */
import { createHash } from "node:crypto"
import { createServer } from "node:http"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"

import type { AddressInfo } from "node:net"
import type { IncomingMessage, ServerResponse } from "node:http"

import PluginHandler, { DB } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Every table's schema and rows, as one string: equal dumps mean an unchanged database. */
function dump(db: DB): string {
  const tables = db.query("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").all()
  return JSON.stringify(
    tables.map((table) => ({
      ...table,
      rows: table.sql && String(table.sql).startsWith("CREATE TABLE") ? db.query(`SELECT * FROM "${String(table.name)}" ORDER BY rowid`).all() : [],
    })),
  )
}

type Route = (request: IncomingMessage, response: ServerResponse) => void

async function serve(routes: Record<string, Route>, until: (close: () => Promise<void>) => void = (close) => void cleanups.push(close)): Promise<string> {
  const sockets = new Set<import("node:net").Socket>()
  const server = createServer((request, response) => {
    const route = routes[new URL(request.url ?? "/", "http://x").pathname]
    if (route) route(request, response)
    else response.writeHead(404, { "content-type": "text/plain" }).end("not found")
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  until(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const send = (body: string | Buffer, type = "application/json"): Route => (_request, response) => void response.writeHead(200, { "content-type": type }).end(body)

const goodCode = `export default { config: { table: { name: "good_rows", columns: { id: column.id(), v: column.text() } }, apiRoutes: { "/v": { actions: ["v"] } }, actions: { v: () => "v1" } } }`
const manifest = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "good", version: "1.0.0", repository: "https://example.com/good", author: { name: "Dev" }, repoType: "default", plugin: goodCode, ...overrides })
const sri = (code: string) => `sha256-${createHash("sha256").update(code).digest("base64")}`

function setup(runtime: RuntimeKind = "worker") {
  const db = new DB(join(tempDir(), "app.db"))
  const handler = new PluginHandler(db, ["API"], { logLevel: "silent", runtime, install: { timeoutMs: 5000, maxManifestBytes: 64 * 1024, allowPrivateNetwork: true } })
  cleanups.push(async () => {
    await handler.close()
    db.close()
  })
  return { db, handler }
}

describe("installFromManifestLink: bad input leaves the database as it was", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, index) => `${String.fromCharCode(98 + index)}: &${String.fromCharCode(98 + index)} [*${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}]`)].join("\n")
  let base = ""
  let closeBase: () => Promise<void> = async () => {}
  afterAll(() => closeBase())
  beforeAll(async () => {
    base = await serve(routes, (close) => {
      closeBase = close
    })
  })
  const routes: Record<string, Route> = {
    "/missing-name.json": send(JSON.stringify({ version: "1.0.0", plugin: goodCode })),
    "/wrong-types.json": send(manifest({ version: 1, tags: "a,b" })),
    "/repo-type.json": send(manifest({ repoType: "svn" })),
    "/missing-action.json": send(manifest({ plugin: 'export default { config: { apiRoutes: { "/x": { actions: ["ghost"] } }, actions: {} } }' })),
    "/unknown-event.json": send(manifest({ plugin: "export default { events: { onSunrise() {} } }" })),
    "/bad-column.json": send(manifest({ plugin: 'export default { config: { table: { name: "t", columns: { id: { kind: "money" } } } } }' })),
    "/integrity.json": send(manifest({ integrity: sri("something else") })),
    "/non-utf8.json": send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
    "/empty.json": send(""),
    "/huge.json": send(manifest({ description: "x".repeat(100 * 1024) })),
    "/bomb.yaml": send(bomb, "application/yaml"),
    "/page.json": send("<!doctype html><html><body>Sign in</body></html>", "text/html"),
    "/never": () => {},
    "/loop-a": (_request, response) => void response.writeHead(302, { location: "/loop-b" }).end(),
    "/loop-b": (_request, response) => void response.writeHead(302, { location: "/loop-a" }).end(),
    "/syntax.json": send(manifest({ plugin: "export default {" })),
    "/import.json": send(manifest({ plugin: 'import fs from "fs-extra"\nexport default {}' })),
    "/throws.json": send(manifest({ plugin: 'throw new Error("no config found")' })),
    "/host-table.json": send(manifest({ plugin: 'export default { config: { table: { name: "plugins", columns: { id: column.id() } } } }' })),
    "/not-object.json": send("[1, 2, 3]"),
  }

  it.each([
    ["missing name", "/missing-name.json", /name: /],
    ["wrong types", "/wrong-types.json", /version: .*expected string.*tags: .*expected array/],
    ["unknown repoType", "/repo-type.json", /repoType: /],
    ["route to a missing action", "/missing-action.json", /route "\/x" names action "ghost"/],
    ["unknown event", "/unknown-event.json", /"onSunrise" is not a known event hook/],
    ["bad column", "/bad-column.json", /columns\.id\.kind/],
    ["integrity mismatch", "/integrity.json", /[Ii]ntegrity mismatch/],
    ["non-UTF-8", "/non-utf8.json", /not UTF-8/],
    ["empty", "/empty.json", /empty/],
    ["huge", "/huge.json", /larger than|exceeds|too large|limit/i],
    ["YAML bomb", "/bomb.yaml", /alias/i],
    ["HTML instead of a manifest", "/page.json", /HTML/],
    ["link that never answers", "/never", /timed out after 5000 ms/],
    ["404", "/nope.json", /HTTP 404/],
    ["redirect loop", "/loop-a", /too many redirects/],
    ["syntax error", "/syntax.json", /syntax error at line 1/],
    ["forbidden import", "/import.json", /import of "fs-extra" is not allowed/],
    ["throw at import", "/throws.json", /no config found/],
    ["host table", "/host-table.json", /"plugins" is reserved for the host/],
    ["not an object", "/not-object.json", /object/],
  ])("%s", async (_, path, expected) => {
    const { db, handler } = setup()
    handler.savePlugin(pluginInput("already-there", "export default {}"))
    const before = dump(db)
    const result = await handler.installFromManifestLink(`${base}${path}`)
    expect(result.success).toBe(false)
    expect(result.message).toMatch(expected)
    expect(dump(db)).toBe(before)
  }, 20_000)

  it("a duplicate install answers clearly and never makes two rows", async () => {
    const url = await serve({ "/m.json": send(manifest()) })
    const { db, handler } = setup()
    expect((await handler.installFromManifestLink(`${url}/m.json`)).success).toBe(true)
    const before = dump(db)
    const again = await handler.installFromManifestLink(`${url}/m.json`)
    expect(again).toEqual({ success: false, message: expect.stringMatching(/A plugin named "good" is already installed \(id 1\)/), kind: "conflict" })
    expect(dump(db)).toBe(before)
  })

  it("installs with a matching integrity and creates the table in the same step", async () => {
    const url = await serve({ "/m.json": send(manifest({ integrity: sri(goodCode) })) })
    const { db, handler } = setup()
    expect(await handler.installFromManifestLink(`${url}/m.json`)).toMatchObject({ success: true, id: 1 })
    expect(db.tableExists("good_rows")).toBe(true)
    expect(handler.getLoadedPlugins()).toEqual([])
  })
})

describe("tampered code", () => {
  it("is refused at load with a message saying so, and the plugin stays unloaded", async () => {
    const { db, handler } = setup()
    handler.savePlugin(pluginInput("victim", goodCode))
    db.query("UPDATE plugins SET plugin = ? WHERE id = 1").run(goodCode.replace('"v1"', '"evil"'))
    const result = await handler.loadPlugins([1])
    expect(result.errors).toEqual([{ pluginId: 1, error: expect.stringMatching(/do not match the keyed digest stored at install \(changed behind the handler's back/) }])
    expect(handler.getLoadedPlugins()).toEqual([])
  })
})

const versioned = (version: string, columns: string, answer = version) =>
  `export default { config: { table: { name: "notes", columns: { id: column.id(), text: column.text()${columns} } }, apiRoutes: { "POST /notes": { actions: ["add"] }, "/notes": { actions: ["list"] }, "/version": { actions: ["version"] } }, actions: { add: ({ table, body }) => table.insert(body), list: ({ table }) => table.select(["*"]).all(), version: async () => { await new Promise((r) => setTimeout(r, 2)); return "${answer}" } } } }`

describe.each<RuntimeKind>(["inline", "worker"])("updates (%s runtime)", (runtime) => {
  async function installed() {
    const context = setup(runtime)
    const saved = context.handler.savePlugin(pluginInput("notes", versioned("1", "")))
    if (!saved.success) throw new Error(saved.message)
    await context.handler.loadPlugin(saved.id)
    const call = (path: string, init?: RequestInit) => context.handler.handleRoute(saved.id, path, new Request(`http://localhost${path}`, init))
    const add = (text: string) => call("/notes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) })
    for (const text of ["a", "b", "c"]) await add(text)
    return { ...context, id: saved.id, call, add }
  }

  it("adding a column keeps the id and every row, new column at its default", async () => {
    const { handler, id, call } = await installed()
    const result = await handler.savePlugin(pluginInput("notes", versioned("2", ", done: column.boolean({ default: false })"), { id, version: "2.0.0" }), true)
    expect(result).toEqual({ success: true, id, message: "Plugin updated successfully" })
    expect(await call("/version")).toBe("2")
    expect(await call("/notes")).toEqual([
      { id: 1, text: "a", done: false },
      { id: 2, text: "b", done: false },
      { id: 3, text: "c", done: false },
    ])
    expect(handler.getAll()).toEqual([expect.objectContaining({ id, version: "2.0.0" })])
  })

  it("a failing update leaves the old version installed and serving, and the database unchanged", async () => {
    const { db, handler, id, call } = await installed()
    const before = dump(db)
    const broken = await handler.savePlugin(pluginInput("notes", "export default { config: {", { id, version: "2.0.0" }), true)
    expect(broken).toEqual({ success: false, kind: "invalid-plugin", message: expect.stringMatching(/Update of plugin "notes" \(id 1\) refused: .*syntax error at line \d+, column \d+.*; version 1.0.0 stays installed and running/) })
    const lossy = await handler.savePlugin(pluginInput("notes", versioned("2", "").replace("text: column.text()", "text: column.integer()"), { id, version: "2.0.0" }), true)
    expect(lossy.message).toMatch(/would lose data \(changes column "text" from text to integer\); refused/)
    expect(dump(db)).toBe(before)
    expect(await call("/version")).toBe("1")
  })

  it("a data-losing change goes through when the plugin opts in", async () => {
    const { handler, id, call } = await installed()
    const result = await handler.savePlugin(pluginInput("notes", `export default { config: { table: { name: "notes", columns: { id: column.id() } }, apiRoutes: { "/notes": { actions: ["list"] } }, actions: { list: ({ table }) => table.select(["*"]).all() } } }`, { id, version: "2.0.0", allowDataLoss: true }), true)
    expect(result.success).toBe(true)
    expect(await call("/notes")).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
  })

  it("requests arriving during an update are all answered, by the old or the new version", async () => {
    const { handler, id, call } = await installed()
    const answers: Promise<unknown>[] = []
    let updating = true
    const update = handler.savePlugin(pluginInput("notes", versioned("2", ", extra: column.text()"), { id, version: "2.0.0" }), true).finally(() => {
      updating = false
    })
    while (updating) {
      answers.push(call("/version"))
      await new Promise((resolve) => setImmediate(resolve))
    }
    for (let index = 0; index < 20; index++) answers.push(call("/version"))
    expect((await update).success).toBe(true)
    const settled = await Promise.allSettled(answers)
    expect(settled.filter((answer) => answer.status === "rejected")).toEqual([])
    const values = settled.map((answer) => (answer as PromiseFulfilledResult<unknown>).value)
    expect(new Set(values)).toEqual(new Set(["1", "2"]))
    expect(values.at(-1)).toBe("2")
  })

  it("updates from a manifest link with update: true, keeping the id", async () => {
    const { handler, id, call } = await installed()
    const url = await serve({ "/v2.json": send(JSON.stringify({ name: "notes", version: "2.0.0", author: {}, plugin: versioned("2", ", tag: column.text()") })) })
    const result = await handler.installFromManifestLink(`${url}/v2.json`, { update: true })
    expect(result).toMatchObject({ success: true, id })
    expect(await call("/version")).toBe("2")
    expect(await call("/notes")).toHaveLength(3)
  })
})
