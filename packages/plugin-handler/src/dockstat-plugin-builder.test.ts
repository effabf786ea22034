/**
 * A plugin written the way DockStat's docs write one, with `@dockstat/plugin-builder`: installed from a
 * manifest over a real loopback HTTP server, then its routes, hooks, table and frontend, in every runtime.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, createFetchHandler, pluginBuilder } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, runtimesOnThisHost, serveFiles, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** What the plugin below declares as its UI: returned as is by getAll() and getStatus(). */
const FRONTEND = {
  routes: [
    {
      path: "/notes",
      template: { type: "container", children: [{ type: "table", bind: "notes" }] },
      meta: { title: "Notes", icon: "notebook", showInNav: true, navOrder: 1 },
      loaders: [{ id: "notes-loader", apiRoute: "/notes", method: "GET", stateKey: "notes", polling: { interval: 30000 } }],
      actions: [
        { id: "refresh", type: "reload", loaderIds: ["notes-loader"] },
        { id: "add", type: "api", apiRoute: "/notes", method: "POST", body: { title: "{{state.title}}" }, onSuccess: { notify: { message: "Saved", type: "success" } } },
      ],
    },
  ],
  globalState: { initial: { title: "" } },
}

// DockStat's style: parts made with the helpers in their own constants, then the builder chain.
const dockstatNotes = (version = "1.0.0") => `
import { column, createActions, createApiRoutes, createEvents, createFrontendAction, createFrontendConfig, createFrontendLoader, createFrontendRoute, createTable, pluginBuilder } from "@dockstat/plugin-builder"

const table = createTable({
  name: "dockstat_notes",
  columns: {
    id: column.id(),
    title: column.text({ notNull: true }),
    meta: column.json(),
    pinned: column.boolean({ default: false }),
  },
  parser: { JSON: ["meta"], BOOLEAN: ["pinned"] },
})

const actions = createActions({
  listNotes: ({ table, logger }) => {
    logger.debug("Listing notes")
    return table?.select(["*"]).orderBy("id").all() ?? []
  },
  validateNote: ({ body }) => ({ valid: typeof body?.title === "string", note: { title: body?.title, meta: body?.meta ?? {}, pinned: body?.pinned === true } }),
  saveNote: ({ table, previousAction }) =>
    previousAction.valid ? { saved: table.insert(previousAction.note).insertId } : { error: "title (a string) is required" },
  noteById: ({ table, params }) => table.select(["*"]).where({ id: Number(params.id) }).get() ?? null,
  version: ({ plugin }) => plugin.version,
})

const events = createEvents({
  onContainerStart: async ({ container, table, logger }) => {
    logger.info("Container started: " + container.id)
    table.insert({ title: "container " + container.id + " started", meta: { container: container.id } })
  },
  // As plugin-builder's README writes a seed-named hook: the container first, then { table, logger }.
  onContainerStop: async (container, { table, logger }) => {
    logger.info("Container stopped: " + container.id)
    table.insert({ title: "container " + container.id + " stopped", meta: { container: container.id } })
  },
  // Upstream's event names: (ctx, { table, logger }).
  "container:started": (ctx, { table, logger }) => {
    logger.info("upstream start " + ctx.containerId)
    table.insert({ title: "host " + ctx.hostId + " started " + ctx.containerInfo.name, meta: { containerId: ctx.containerId } })
  },
})

const frontend = createFrontendConfig({
  routes: [
    createFrontendRoute({
      path: "/notes",
      template: { type: "container", children: [{ type: "table", bind: "notes" }] },
      meta: { title: "Notes", icon: "notebook", showInNav: true, navOrder: 1 },
      loaders: [createFrontendLoader({ id: "notes-loader", apiRoute: "/notes", method: "GET", stateKey: "notes", polling: { interval: 30000 } })],
      actions: [
        createFrontendAction({ id: "refresh", type: "reload", loaderIds: ["notes-loader"] }),
        createFrontendAction({ id: "add", type: "api", apiRoute: "/notes", method: "POST", body: { title: "{{state.title}}" }, onSuccess: { notify: { message: "Saved", type: "success" } } }),
      ],
    }),
  ],
  globalState: { initial: { title: "" } },
})

const DockStatNotes = pluginBuilder()
  .name("dockstat-notes")
  .version(${JSON.stringify(version)})
  .description("Notes about your containers")
  .author({ name: "Developer", email: "dev@example.com", license: "MIT", website: "https://example.com" })
  .tags(["notes", "containers"])
  .repository("https://github.com/user/dockstat-notes")
  .manifest("https://github.com/user/dockstat-notes/manifest.json")
  .table(table)
  .actions(actions)
  .apiRoutes(createApiRoutes({
    "/notes": { method: "GET", actions: ["listNotes"] },
    "/notes/add": { method: "POST", actions: ["validateNote", "saveNote"] },
    "/notes/:id": { method: "GET", actions: ["noteById"] },
    "/version": { method: "GET", actions: ["version"] },
  }))
  .events(events)
  .frontend(frontend)
  .init(() => {})
  .build()

export default DockStatNotes
`

/** A manifest beside the plugin's bundle (`pluginUrl`), as a DockStat plugin repository serves them. */
async function serveManifest(code: string, name = "dockstat-notes", version = "1.0.0") {
  const files = await serveFiles({
    "/manifest.json": { body: JSON.stringify({ name, version, description: "Notes about your containers", repository: "https://github.com/user/dockstat-notes", author: { name: "Developer" }, repoType: "github", pluginUrl: "./index.js" }) },
    "/index.js": { body: code, type: "text/javascript" },
  })
  cleanups.push(files.close)
  return `${files.url}/manifest.json`
}

function start(runtime: RuntimeKind, path = join(tempDir(), "app.db")) {
  const db = new DB(path)
  const handler = new PluginHandler(db, ["API"], { logLevel: "silent", runtime, sandbox: { maxSliceMs: 5000 }, install: { allowPrivateNetwork: true } })
  cleanups.push(async () => {
    await handler.close()
    db.close()
  })
  return { db, handler, path }
}

const post = (path: string, body: unknown) => new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
const get = (path: string) => new Request(`http://localhost${path}`)

describe.each(runtimesOnThisHost<RuntimeKind>(["sandbox", "worker", "inline"]))("a plugin built with @dockstat/plugin-builder: %s runtime", (runtime) => {
  it("installs from a manifest, serves its routes with its table, runs its hooks and returns its frontend", async () => {
    const { handler } = start(runtime)
    const installed = await handler.installFromManifestLink(await serveManifest(dockstatNotes()))
    expect(installed).toMatchObject({ success: true })
    const id = (installed as { id: number }).id
    await handler.loadPlugin(id)
    expect(handler.getStatus().loaded_plugins).toEqual([
      expect.objectContaining({ id, name: "dockstat-notes", runtime, table: "dockstat_notes", hooks: ["onContainerStart", "onContainerStop", "container:started"] }),
    ])

    expect(await handler.handleRoute(id, "/notes/add", post("/notes/add", { title: "first", meta: { tags: ["a"] }, pinned: true }))).toEqual({ saved: 1 })
    expect(await handler.handleRoute(id, "/notes/add", post("/notes/add", { meta: {} }))).toEqual({ error: "title (a string) is required" })
    expect(await handler.handleRoute(id, "/notes/1", get("/notes/1"))).toEqual({ id: 1, title: "first", meta: { tags: ["a"] }, pinned: true })
    expect(await handler.handleRoute(id, "/version", get("/version"))).toBe("1.0.0")

    for (const [hook, payload] of [
      ["onContainerStart", { container: { id: "c1" } }],
      ["onContainerStop", { container: { id: "c1" } }],
      ["container:started", { hostId: 1, containerId: "c2", containerInfo: { id: "c2", hostId: 1, name: "web", image: "nginx", status: "running", state: "running", ports: [], labels: {} } }],
    ] as const) {
      const report = await handler.emit(hook, payload)
      expect(report.results, hook).toEqual([expect.objectContaining({ pluginId: id, status: "ok" })])
    }
    const notes = (await handler.handleRoute(id, "/notes", get("/notes"))) as { title: string; meta: unknown }[]
    expect(notes.map((note) => [note.title, note.meta])).toEqual([
      ["first", { tags: ["a"] }],
      ["container c1 started", { container: "c1" }],
      ["container c1 stopped", { container: "c1" }],
      ["host 1 started web", { containerId: "c2" }],
    ])

    // Over HTTP too, through the framework-free handler.
    const serve = createFetchHandler(handler, { basePath: "/api/v2/plugins" })
    const response = await serve(get(`/api/v2/plugins/${id}/routes/notes/2`))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ id: 2, title: "container c1 started" })

    const [row] = handler.getAll()
    expect(row).toMatchObject({ name: "dockstat-notes", repoType: "github", frontend: FRONTEND })
    expect(handler.getStatus().installed_plugins.data[0]?.frontend).toEqual(FRONTEND)
  })
})

describe("a plugin's frontend is stored with it", () => {
  it("survives a restart and follows an update", async () => {
    const first = start("sandbox")
    const url = await serveManifest(dockstatNotes())
    const installed = (await first.handler.installFromManifestLink(url)) as { success: boolean; id: number }
    expect(installed.success).toBe(true)
    await first.handler.close()
    first.db.close()

    const second = start("sandbox", first.path)
    expect(second.handler.getAll()[0]?.frontend).toEqual(FRONTEND)
    await second.handler.loadAllPlugins()
    const without = dockstatNotes("2.0.0").replace(".frontend(frontend)", "")
    const updated = await second.handler.installFromManifestLink(await serveManifest(without, "dockstat-notes", "2.0.0"), { update: true })
    expect(updated).toMatchObject({ success: true, id: installed.id })
    expect(second.handler.getAll()[0]).toMatchObject({ version: "2.0.0", frontend: null })
    expect(await second.handler.handleRoute(installed.id, "/version", get("/version"))).toBe("2.0.0")
  })

  it("is recorded by the first load of a plugin saved with savePlugin, which loads nothing", async () => {
    const { handler } = start("inline")
    const saved = handler.savePlugin(pluginInput("dockstat-notes", dockstatNotes()))
    expect(saved).toMatchObject({ success: true })
    const id = (saved as { id: number }).id
    expect(handler.getAll()[0]?.frontend).toBeNull()
    await handler.loadPlugin(id)
    expect(handler.getAll()[0]?.frontend).toEqual(FRONTEND)
  })

  it("refuses a frontend that is not plain JSON data, naming where, and stores nothing", async () => {
    const { handler } = start("sandbox")
    const withFunction = dockstatNotes().replace('globalState: { initial: { title: "" } },', 'globalState: { initial: { title: "" } }, onOpen: () => 1,')
    const result = await handler.installFromManifestLink(await serveManifest(withFunction))
    expect(result).toMatchObject({ success: false, kind: "invalid-plugin" })
    expect((result as { message: string }).message).toMatch(/config\.frontend: must be plain JSON data, but onOpen \(a function\) is not/)
    const huge = dockstatNotes().replace('globalState: { initial: { title: "" } },', 'globalState: { initial: { title: "x".repeat(300000) } },')
    const tooBig = await handler.installFromManifestLink(await serveManifest(huge))
    expect((tooBig as { message: string }).message).toMatch(/config\.frontend: is \d+ bytes of JSON, more than the 262144 allowed/)
    expect(handler.getAll()).toEqual([])
  })
})

describe("pluginBuilder().build()", () => {
  const complete = () =>
    pluginBuilder()
      .name("p")
      .description("d")
      .version("1.0.0")
      .repository("https://github.com/user/p")
      .manifest("https://github.com/user/p/manifest.json")
      .author({ name: "A" })

  it("names every missing metadata field", () => {
    expect(() => pluginBuilder().build()).toThrow(
      "pluginBuilder().build(): the plugin's name, description, version, repository, manifest, author are missing (set with .name(), .description(), .version(), .repository(), .manifest(), .author())",
    )
    expect(() => pluginBuilder().name("p").description("d").version("1").repository("r").manifest("m").build()).toThrow(
      "pluginBuilder().build(): the plugin's author is missing (set with .author())",
    )
  })

  it("defaults repoType to github, keeps the one given, and puts each part where the host reads it", () => {
    expect(complete().build()).toEqual({
      name: "p",
      description: "d",
      version: "1.0.0",
      repository: "https://github.com/user/p",
      repoType: "github",
      manifest: "https://github.com/user/p/manifest.json",
      author: { name: "A" },
    })
    expect(complete().repository("https://gitlab.com/user/p", "gitlab").build().repoType).toBe("gitlab")
    const list = () => []
    const onLoad = () => {}
    const built = complete()
      .table({ name: "t", columns: { id: { kind: "id" } } })
      .actions({ list })
      .apiRoutes({ "/list": { method: "GET", actions: ["list"] } })
      .frontend({ routes: [] })
      .events({ onLoad })
      .build()
    expect(built.config).toEqual({ table: { name: "t", columns: { id: { kind: "id" } } }, actions: { list }, apiRoutes: { "/list": { method: "GET", actions: ["list"] } }, frontend: { routes: [] } })
    expect(built.events).toEqual({ onLoad })
  })

  it("builds a new object each time, so a later call does not change a built plugin", () => {
    const builder = complete().tags(["a"])
    const first = builder.build()
    builder.name("q").tags(["b"])
    expect(first).toMatchObject({ name: "p", tags: ["a"] })
    expect(builder.build()).toMatchObject({ name: "q", tags: ["b"] })
  })
})

describe.each(runtimesOnThisHost<RuntimeKind>(["sandbox", "worker", "inline"]))("plugin-builder mistakes, said at install: %s runtime", (runtime) => {
  it("a build() that misses metadata fails the install with its message", async () => {
    const { handler } = start(runtime)
    const result = await handler.installFromManifestLink(await serveManifest(dockstatNotes().replace(/\.author\([^)]*\)/, "")))
    expect(result).toMatchObject({ success: false, kind: "invalid-plugin" })
    expect((result as { message: string }).message).toMatch(/the plugin's author is missing \(set with \.author\(\)\)/)
    expect(handler.getAll()).toEqual([])
  })

  it("a module exporting the builder without build() is told to call it", async () => {
    const { handler } = start(runtime)
    const result = await handler.installFromManifestLink(await serveManifest(dockstatNotes().replace("\n  .build()\n", "\n")))
    expect((result as { message: string }).message).toMatch(/the default export is a plugin builder, not a plugin: end the chain with \.build\(\)/)
  })
})
