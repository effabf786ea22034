/**
 * The demo's HTTP API with a plugin built by `@dockstat/plugin-builder`: installed from a manifest on a
 * real loopback server, its routes answering over HTTP and its frontend in the plugin's JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { startServer } from "./server.ts"
import { startStaticServer } from "./test-support/static-server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

import type { RunningServer } from "./server.ts"
import type { StaticServer } from "./test-support/static-server.ts"

const FRONTEND = {
  routes: [{ path: "/stacks", template: { type: "list", bind: "stacks" }, meta: { title: "Stacks", showInNav: true }, loaders: [{ id: "stacks", apiRoute: "/stacks", stateKey: "stacks" }] }],
}

const code = `
import { column, createActions, pluginBuilder } from "@dockstat/plugin-builder"

const actions = createActions({
  getStacks: ({ table, logger }) => {
    logger.debug("Getting Stacks")
    return table?.select(["*"]).all() ?? []
  },
  addStack: ({ table, body }) => ({ id: table.insert({ name: body.name, yaml: body.yaml }).insertId }),
})

export default pluginBuilder()
  .name("stacks")
  .version("1.0.0")
  .author({ name: "Developer", license: "MIT" })
  .description("Manage Docker container stacks")
  .tags(["Docker Compose"])
  .repository("https://github.com/user/stacks")
  .manifest("https://github.com/user/stacks/manifest.json")
  .table({ name: "stacks", columns: { id: column.id(), name: column.text({ notNull: true }), yaml: column.text() }, parser: {} })
  .actions(actions)
  .apiRoutes({ "/stacks": { method: "GET", actions: ["getStacks"] }, "/stacks/add": { method: "POST", actions: ["addStack"] } })
  .events({ onContainerStart: ({ container, table }) => { table.insert({ name: "seen " + container.id }) } })
  .frontend(${JSON.stringify(FRONTEND)})
  .build()
`

describe("demo: a plugin built with @dockstat/plugin-builder", () => {
  const temp = createTempDir()
  let server: RunningServer
  let files: StaticServer

  beforeAll(async () => {
    files = await startStaticServer({
      "/stacks/manifest.json": {
        body: JSON.stringify({ name: "stacks", version: "1.0.0", repository: "https://github.com/user/stacks", author: { name: "Developer" }, pluginUrl: "./index.js" }),
        contentType: "application/json",
      },
      "/stacks/index.js": { body: code, contentType: "text/javascript" },
    })
    server = await startServer({ dbPath: temp.file("data/dockstat.db"), port: 0, hostname: "127.0.0.1", logLevel: "silent", docker: false })
  })

  afterAll(async () => {
    await server?.close()
    await files?.close()
    temp.remove()
  })

  it("installs from its manifest, serves its routes and hooks, and shows its frontend in the plugin's JSON", async () => {
    const install = await fetch(`${server.url}/api/v2/plugins/install`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: files.url("/stacks/manifest.json") }),
    })
    const installed = (await install.json()) as { success: boolean; id: number; running: boolean; message: string }
    expect(install.status, installed.message).toBe(201)
    expect(installed.running).toBe(true)

    const added = await fetch(`${server.url}/api/v2/plugins/${installed.id}/routes/stacks/add`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "web", yaml: "services: {}" }),
    })
    expect(added.status).toBe(200)
    expect(await added.json()).toEqual({ id: 1 })
    await server.handler.emit("onContainerStart", { container: { id: "c9" } })
    const listed = await fetch(`${server.url}/api/v2/plugins/${installed.id}/routes/stacks`)
    expect(await listed.json()).toEqual([
      { id: 1, name: "web", yaml: "services: {}" },
      { id: 2, name: "seen c9", yaml: null },
    ])

    const metadata = (await (await fetch(`${server.url}/api/v2/plugins/${installed.id}`)).json()) as Record<string, unknown>
    expect(metadata).toMatchObject({ name: "stacks", repoType: "github", frontend: FRONTEND })
    const status = (await (await fetch(`${server.url}/api/v2/plugins`)).json()) as { installed_plugins: { data: { name: string; frontend: unknown }[] } }
    expect(status.installed_plugins.data.find((plugin) => plugin.name === "stacks")?.frontend).toEqual(FRONTEND)
    // The seed's examples declare none.
    expect(status.installed_plugins.data.find((plugin) => plugin.name === "example-plugin")?.frontend).toBeNull()
  })
})
