import { join } from "node:path"
import { createPluginRegistry } from "@dockstat/plugin-store"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

function setup() {
  const db = new DB(join(tempDir(), "app.db"))
  const handler = new PluginHandler(db, [], { logLevel: "silent", runtime: "inline" })
  handlers.push(handler)
  return { db, handler }
}

const routesCode = (paths: string[]) =>
  `export default { config: { apiRoutes: { ${paths.map((path) => `${JSON.stringify(path)}: { method: "GET", actions: ["a"] }`).join(", ")} }, actions: { a: () => 1 } }, events: { onBoot() {} } }`

describe("status listings", () => {
  it("getStatus().repos lists each repository once, in the order SQLite sorts them (code points, not UTF-16 units)", () => {
    const { db, handler } = setup()
    // U+1F600 is a surrogate pair in UTF-16 (0xD83D...), U+FFFD one unit: `<` puts the emoji first, SQLite last.
    const repositories = ["https://b.example/\u{1F600}", "https://b.example/\uFFFD", "https://B.example/x", "https://a.example/x", "https://a.example/x"]
    repositories.forEach((repository, index) => {
      const saved = handler.savePlugin(pluginInput(`p${index}`, routesCode(["/x"]), { repository }))
      expect(saved.success).toBe(true)
    })
    const repos = handler.getStatus().repos
    expect(repos).toEqual(createPluginRegistry(db).repositories())
    expect(repos).toEqual(["https://B.example/x", "https://a.example/x", "https://b.example/\uFFFD", "https://b.example/\u{1F600}"])
  })

  it("getAllPluginRoutes and getStatus show each loaded plugin's routes and hooks, fixed at load and read-only", async () => {
    const { handler } = setup()
    const first = handler.savePlugin(pluginInput("first", routesCode(["/a", "/b/:id"])))
    const second = handler.savePlugin(pluginInput("second", routesCode(["/c"])))
    if (!first.success || !second.success) throw new Error("not saved")
    await handler.loadAllPlugins()

    const listed = handler.getAllPluginRoutes()
    expect(listed).toEqual([
      { id: first.id, plugin: "first", routes: ["/a", "/b/:id"] },
      { id: second.id, plugin: "second", routes: ["/c"] },
    ])
    // Shared between calls, so a caller cannot change what the next caller sees.
    expect(() => (listed[0]?.routes as string[]).push("/x")).toThrow(TypeError)
    expect(handler.getAllPluginRoutes()[0]?.routes).toEqual(["/a", "/b/:id"])
    // The outer list is the caller's own.
    listed.pop()
    expect(handler.getAllPluginRoutes()).toHaveLength(2)

    const status = handler.getStatus().loaded_plugins.find((plugin) => plugin.id === first.id)
    expect(status).toMatchObject({ routes: ["/a", "/b/:id"], hooks: ["onBoot"], table: null })
    expect(Date.parse(status?.loadedAt ?? "")).not.toBeNaN()

    // The listing follows loads and unloads.
    handler.unloadPlugin(second.id)
    expect(handler.getAllPluginRoutes().map((entry) => entry.plugin)).toEqual(["first"])
  })
})
