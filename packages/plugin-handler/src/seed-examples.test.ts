/**
 * Every code example of the seed (shared/seed/plugin-handler.md), run as written against the real handler:
 * a real libSQL file in a temp dir, real Requests, a real HTTP server for manifests.
 */
import { EventEmitter } from "node:events"
import { join } from "node:path"
import { pino } from "pino"
import { afterEach, describe, expect, it, vi } from "vitest"

import PluginHandler, { DB, column, isPluginError } from "./index.ts"
import { pluginInput, serveFiles, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

/** Log lines the handler and its plugins wrote (plugins log through the host, whatever their runtime). */
let logLines: { name?: string; msg?: string }[] = []

function setup(path?: string) {
  const db = new DB(path ?? join(tempDir(), "app.db"))
  logLines = []
  const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) })
  // The seed's manifest URLs are served on 127.0.0.1 here: a private address, refused unless allowed.
  const handler = new PluginHandler(db, ["API"], { logger, install: { allowPrivateNetwork: true } })
  handlers.push(handler)
  return { db, handler }
}

/** Messages logged by one plugin, in order; hooks log asynchronously from a worker, so wait for them. */
async function pluginLogs(plugin: string, count: number): Promise<string[]> {
  const read = () => logLines.filter((line) => line.name === `API > PluginHandler > ${plugin}`).map((line) => line.msg ?? "")
  await vi.waitFor(() => expect(read().length).toBeGreaterThanOrEqual(count), { timeout: 10_000 })
  return read()
}

// The seed's "Plugin Structure" example, verbatim (it uses `column` without importing it).
const examplePlugin = `
export default {
  id: 1,  // Set automatically by handler
  name: "example-plugin",
  version: "1.0.0",

  config: {
    // Database table for plugin data
    table: {
      name: "plugin_data",
      columns: {
        id: column.id(),
        data: column.json(),
      },
      jsonColumns: ["data"]
    },

    // API routes exposed by plugin
    apiRoutes: {
      "/status": {
        method: "GET",
        actions: ["getStatus"]
      },
      "/save": {
        method: "POST",
        actions: ["validateData", "saveData"]
      }
    },

    // Actions that routes can call
    actions: {
      getStatus: ({ table, logger }) => {
        return table.select(["*"]).all()
      },
      validateData: ({ body, logger }) => {
        logger.debug("Validating data")
        return { valid: true, data: body }
      },
      saveData: ({ table, previousAction, logger }) => {
        if (previousAction.valid) {
          table.insert(previousAction.data)
          return { success: true }
        }
        return { success: false }
      }
    }
  },

  // Event hooks for Docker events
  events: {
    onContainerStart: async ({ container, logger }) => {
      logger.info(\`Container started: \${container.id}\`)
    },
    onContainerStop: async ({ container, logger }) => {
      logger.info(\`Container stopped: \${container.id}\`)
    }
  }
}
`

const post = (path: string, body: unknown, type = "application/json") =>
  new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": type }, body: typeof body === "string" ? body : JSON.stringify(body) })
const get = (path: string) => new Request(`http://localhost${path}`)

describe("seed: Quick Start", () => {
  it("loads all plugins from the database and reports status", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("example-plugin", examplePlugin))
    await handler.loadAllPlugins()
    const status = handler.getStatus()
    expect(status.installed_plugins.count).toBe(1)
    expect(status.loaded_plugins.map((plugin) => plugin.name)).toEqual(["example-plugin"])
  })
})

describe("seed: Plugin Structure", () => {
  it("serves /status and /save through handleRoute, with the table", async () => {
    const { handler } = setup()
    const saved = handler.savePlugin(pluginInput("example-plugin", examplePlugin), false)
    expect(saved).toEqual({ success: true, id: 1, message: "Plugin saved successfully" })
    if (!saved.success) return
    await handler.loadPlugin(saved.id)
    expect(await handler.handleRoute(saved.id, "/save", post("/save", { data: { cpu: 0.5 } }))).toEqual({ success: true })
    expect(await handler.handleRoute(saved.id, "/status", get("/status"))).toEqual([{ id: 1, data: { cpu: 0.5 } }])
  })

  it("calls its Docker hooks with the container", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("example-plugin", examplePlugin))
    await handler.loadAllPlugins()
    const report = await handler.emit("onContainerStart", { container: { id: "c1" } })
    await handler.emit("onContainerStop", { container: { id: "c1" } })
    expect(await pluginLogs("example-plugin", 2)).toEqual(["Container started: c1", "Container stopped: c1"])
    expect(report.results).toEqual([expect.objectContaining({ plugin: "example-plugin", status: "ok" })])
  })
})

describe("seed: Plugin Management", () => {
  it("savePlugin answers synchronously with the seed's shape", () => {
    const { handler } = setup()
    const result = handler.savePlugin(pluginInput("my-plugin", "export default {}"), false)
    expect(result).toEqual({ success: true, id: 1, message: "Plugin saved successfully" })
  })

  it("update mode keeps the id and replaces the code", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("my-plugin", "export default { version: '1' }"))
    const updated = await handler.savePlugin(pluginInput("my-plugin", "export default { version: '2' }", { version: "2.0.0" }), true)
    expect(updated).toEqual({ success: true, id: 1, message: "Plugin updated successfully" })
    expect(handler.getAll()).toEqual([expect.objectContaining({ id: 1, version: "2.0.0" })])
  })

  it("update mode swaps a loaded plugin for the new version", async () => {
    const { handler } = setup()
    const route = (answer: string) =>
      `export default { config: { apiRoutes: { "/v": { method: "GET", actions: ["v"] } }, actions: { v: () => "${answer}" } } }`
    handler.savePlugin(pluginInput("my-plugin", route("old")))
    await handler.loadPlugin(1)
    // The seed writes `handler.savePlugin(updatedPlugin, true)` without reading the result: the swap is
    // queued, and the next loadPlugin waits for it.
    void handler.savePlugin(pluginInput("my-plugin", route("new"), { version: "2.0.0" }), true)
    await handler.loadPlugin(1)
    expect(await handler.handleRoute(1, "/v", get("/v"))).toBe("new")
  })

  it("deletePlugin answers with the seed's shape", () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("my-plugin", "export default {}"))
    expect(handler.deletePlugin(1)).toEqual({ success: true, message: "Deleted Plugin" })
    expect(handler.getAll()).toEqual([])
  })

  it("getAll returns metadata without the code", () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("my-plugin", "export default {}"))
    const [plugin] = handler.getAll()
    expect(plugin).toMatchObject({ id: 1, name: "my-plugin", version: "1.0.0", tags: ["monitoring", "alerts"], repoType: "github" })
    expect(plugin).not.toHaveProperty("plugin")
  })

  it("getStatus has installed_plugins, repos and loaded_plugins", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("plugin1", "export default {}", { repository: "https://github.com/user/plugin1" }))
    handler.savePlugin(pluginInput("plugin2", "export default {}", { repository: "local", repoType: "local" }))
    await handler.loadPlugin(1)
    const status = handler.getStatus()
    expect(status.installed_plugins.count).toBe(2)
    expect(status.installed_plugins.data.map((plugin) => plugin.name)).toEqual(["plugin1", "plugin2"])
    expect(status.repos).toEqual(["https://github.com/user/plugin1", "local"])
    expect(status.loaded_plugins).toEqual([expect.objectContaining({ id: 1, name: "plugin1" })])
  })
})

describe("seed: Loading & Unloading", () => {
  it("loadPlugins reports successes and errors per id", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("one", "export default {}"))
    handler.savePlugin(pluginInput("two", 'import x from "missing-module"\nexport default {}'))
    handler.savePlugin(pluginInput("three", "export default {}"))
    const result = await handler.loadPlugins([1, 2, 3])
    expect(result.successes).toEqual([1, 3])
    expect(result.errors).toEqual([{ pluginId: 2, error: expect.stringMatching(/Could not load plugin "two" \(id 2\): import of "missing-module" is not allowed/) }])
  })

  it("loadPlugin, getLoadedPlugins, unloadPlugin and unloadAllPlugins", async () => {
    const { handler } = setup()
    for (const name of ["a", "b", "c", "d", "e"]) handler.savePlugin(pluginInput(name, "export default {}"))
    const plugin = await handler.loadPlugin(5)
    expect(plugin.name).toBe("e")
    await handler.loadPlugins([1, 3])
    expect(handler.getLoadedPlugins().sort()).toEqual([1, 3, 5])
    handler.unloadPlugin(5)
    expect(handler.getLoadedPlugins().sort()).toEqual([1, 3])
    handler.unloadAllPlugins()
    expect(handler.getLoadedPlugins()).toEqual([])
  })
})

describe("seed: Route Handling", () => {
  // The seed's /process example uppercases the body, so it needs a text body, then inserts the string.
  const processPlugin = `
export default {
  name: "processor",
  config: {
    table: { name: "processed", columns: { id: column.id(), data: column.text() } },
    apiRoutes: {
      "/process": {
        method: "POST",
        actions: ["validate", "transform", "save"]
      }
    },
    actions: {
      validate: ({ body }) => ({ valid: true, data: body }),
      transform: ({ previousAction }) => ({
        ...previousAction,
        data: previousAction.data.toUpperCase()
      }),
      save: ({ table, previousAction }) => {
        table.insert(previousAction.data)
        return { success: true }
      }
    }
  }
}`

  it("runs the /process chain, and inserting a bare string fails with a message saying what insert expects", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("processor", processPlugin))
    await handler.loadPlugin(1)
    const error = await handler.handleRoute(1, "/process", post("/process", "hello", "text/plain")).catch((caught: unknown) => caught)
    expect(isPluginError(error)).toBe(true)
    expect((error as Error).message).toMatch(/Action "save" of plugin "processor" failed: .*insert\(\) expects an object .* got string/)
    expect(handler.getServerHooks(1).table?.count()).toBe(0)
  })

  it("getAllPluginRoutes lists each loaded plugin's routes", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("example-plugin", examplePlugin))
    handler.savePlugin(pluginInput("another-plugin", 'export default { config: { apiRoutes: { "/info": { method: "GET", actions: ["i"] } }, actions: { i: () => 1 } } }'))
    await handler.loadAllPlugins()
    const routes = handler.getAllPluginRoutes()
    expect(routes.map(({ plugin, routes }) => ({ plugin, routes }))).toEqual([
      { plugin: "example-plugin", routes: ["/status", "/save"] },
      { plugin: "another-plugin", routes: ["/info"] },
    ])
  })
})

describe("seed: Multi-Action Routes", () => {
  // The seed's data-processor, its placeholders filled in and a table declared for saveToDatabase.
  const dataProcessor = `
export default {
  name: "data-processor",
  config: {
    table: { name: "processed_data", columns: { id: column.id(), message: column.text(), payload: column.json() } },
    apiRoutes: {
      "/process": {
        method: "POST",
        actions: ["parseInput", "validateSchema", "transformData", "saveToDatabase", "sendNotification"]
      }
    },
    actions: {
      parseInput: ({ body, logger }) => {
        logger.debug("Parsing input")
        try {
          return { success: true, data: JSON.parse(body) }
        } catch {
          return { success: false, error: "Invalid JSON" }
        }
      },
      validateSchema: ({ previousAction, logger }) => {
        if (!previousAction.success) return previousAction
        const valid = typeof previousAction.data?.message === "string"
        return { ...previousAction, valid }
      },
      transformData: ({ previousAction }) => {
        if (!previousAction.valid) return previousAction
        const transformed = { message: previousAction.data.message.trim(), payload: previousAction.data }
        return { ...previousAction, data: transformed }
      },
      saveToDatabase: ({ table, previousAction }) => {
        if (!previousAction.valid) return previousAction
        const result = table.insert(previousAction.data)
        return { ...previousAction, insertId: result.insertId }
      },
      sendNotification: ({ previousAction, logger }) => {
        if (!previousAction.valid) return previousAction
        logger.info(\`Data saved with ID: \${previousAction.insertId}\`)
        return { success: true, id: previousAction.insertId }
      }
    }
  }
}`

  it("parses a text body, runs five actions and saves the row", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("data-processor", dataProcessor))
    await handler.loadPlugin(1)
    const result = await handler.handleRoute(1, "/process", post("/process", JSON.stringify({ message: "  hi  " }), "text/plain"))
    expect(result).toEqual({ success: true, id: 1 })
    expect(handler.getServerHooks(1).table?.select(["message", "payload"]).all()).toEqual([{ message: "hi", payload: { message: "  hi  " } }])
  })

  it("a JSON body arrives parsed, so JSON.parse in parseInput answers its own Invalid JSON result", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("data-processor", dataProcessor))
    await handler.loadPlugin(1)
    expect(await handler.handleRoute(1, "/process", post("/process", { message: "hi" }))).toEqual({ success: false, error: "Invalid JSON" })
  })
})

describe("seed: Event System", () => {
  it("getHookHandlers maps plugin ids to their hooks, and the seed's Docker loop works", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("example-plugin", examplePlugin))
    handler.savePlugin(pluginInput("quiet", "export default {}"))
    const plugins = handler
    await plugins.loadAllPlugins()

    const hooks = plugins.getHookHandlers()
    expect(hooks).toBeInstanceOf(Map)
    expect(Object.keys(hooks.get(1) ?? {})).toEqual(["onContainerStart", "onContainerStop"])
    expect(hooks.get(2)).toEqual({})

    // The seed's "Docker Event Integration", with a stub emitter in place of @dockstat/docker-client.
    const eventEmitter = new EventEmitter()
    const done = new Promise<void>((resolve) => {
      eventEmitter.on("container:start", async (container) => {
        const hooks = plugins.getHookHandlers()
        for (const [pluginId, events] of hooks) {
          if (events.onContainerStart) {
            const serverHooks = plugins.getServerHooks(pluginId)
            await events.onContainerStart({
              container,
              logger: serverHooks.logger,
              table: serverHooks.table,
            })
          }
        }
        resolve()
      })
    })
    eventEmitter.emit("container:start", { id: "abc123" })
    await done
    expect(await pluginLogs("example-plugin", 1)).toEqual(["Container started: abc123"])
  })
})

describe("seed: Installation", () => {
  it("installFromManifestLink installs the seed's JSON manifest and YAML, then the plugin loads", async () => {
    const code = 'export default { name: "notification-plugin", events: { onContainerStart: async () => {} } }'
    const manifest = {
      name: "notification-plugin",
      version: "1.0.0",
      description: "Send notifications on events",
      repository: "https://github.com/user/notification-plugin",
      manifest: "https://github.com/user/notification-plugin/manifest.json",
      author: { name: "Developer", email: "dev@example.com" },
      tags: ["notifications", "alerts"],
      repoType: "github",
      plugin: code,
    }
    const yaml = `name: yaml-plugin\nversion: 2.0.0\nrepository: local\nmanifest: local\nrepoType: local\nauthor:\n  name: Dev\nplugin: |\n  export default { name: "yaml-plugin" }\n`
    const server = await serveFiles({ "/plugin/manifest.json": { body: JSON.stringify(manifest) }, "/plugin/manifest.yml": { body: yaml, type: "text/plain" } })
    try {
      const { handler } = setup()
      const plugins = handler
      const result = await plugins.installFromManifestLink(`${server.url}/plugin/manifest.json`)
      expect(result).toEqual({ success: true, id: 1, message: expect.stringContaining("notification-plugin@1.0.0") })
      expect((await plugins.installFromManifestLink(`${server.url}/plugin/manifest.yml`)).success).toBe(true)

      // "Installing Plugins from GitHub": the newest plugin is the last of installed_plugins.
      const status = plugins.getStatus()
      const newPlugin = status.installed_plugins.data.at(-1)
      expect(newPlugin?.name).toBe("yaml-plugin")
      await plugins.loadPlugin(newPlugin?.id ?? -1)
      expect(plugins.getLoadedPlugins()).toEqual([2])
    } finally {
      await server.close()
    }
  })
})

describe("seed: Plugin Lifecycle Management", () => {
  class PluginManager {
    private handler: PluginHandler
    constructor(handler: PluginHandler) {
      this.handler = handler
    }

    async installAndActivate(manifestUrl: string) {
      // Install from manifest
      const result = await this.handler.installFromManifestLink(manifestUrl)

      if (!result.success) {
        throw new Error(result.message)
      }

      // Load into memory
      await this.handler.loadPlugin(result.id)

      // Verify loaded
      const loaded = this.handler.getLoadedPlugins()
      return loaded.includes(result.id)
    }

    async deactivate(id: number) {
      this.handler.unloadPlugin(id)
    }

    async uninstall(id: number) {
      this.handler.unloadPlugin(id)
      this.handler.deletePlugin(id)
    }

    async update(id: number, newManifestUrl: string) {
      // Fetch new version
      const res = await fetch(newManifestUrl)
      const manifest = await res.json()

      // Update in database
      await this.handler.savePlugin(
        { ...manifest, id },
        true, // update mode
      )
    }
  }

  it("installs, activates, updates, deactivates and uninstalls", async () => {
    const manifest = (version: string) => ({
      name: "managed",
      version,
      repository: "https://example.com/managed",
      manifest: "https://example.com/managed/manifest.json",
      author: { name: "Dev" },
      repoType: "default",
      plugin: `export default { config: { apiRoutes: { "/v": { method: "GET", actions: ["v"] } }, actions: { v: () => "${version}" } } }`,
    })
    const server = await serveFiles({ "/v1.json": { body: JSON.stringify(manifest("1.0.0")) }, "/v2.json": { body: JSON.stringify(manifest("2.0.0")) } })
    try {
      const { handler } = setup()
      const manager = new PluginManager(handler)
      expect(await manager.installAndActivate(`${server.url}/v1.json`)).toBe(true)
      await expect(manager.installAndActivate(`${server.url}/v1.json`)).rejects.toThrow(/already installed/)
      await manager.update(1, `${server.url}/v2.json`)
      await handler.loadPlugin(1)
      expect(await handler.handleRoute(1, "/v", get("/v"))).toBe("2.0.0")
      await manager.deactivate(1)
      expect(handler.getLoadedPlugins()).toEqual([])
      await manager.uninstall(1)
      expect(handler.getAll()).toEqual([])
    } finally {
      await server.close()
    }
  })
})

describe("seed: Plugin Development Guide", () => {
  const myPlugin = `
import { column } from "@dockstat/sqlite-wrapper"

export default {
  name: "my-plugin",
  version: "1.0.0",

  config: {
    table: {
      name: "my_plugin_data",
      columns: {
        id: column.id(),
        value: column.text(),
        metadata: column.json()
      },
      jsonColumns: ["metadata"]
    },

    apiRoutes: {
      "/data": {
        method: "GET",
        actions: ["getData"]
      }
    },

    actions: {
      getData: ({ table, logger }) => {
        logger.debug("Fetching data")
        return table.select(["*"]).all()
      }
    }
  },

  events: {
    onContainerStart: async ({ container, logger }) => {
      logger.info(\`Container \${container.id} started\`)
    }
  }
}`

  it("saves locally as the guide's step 3 does, loads, and serves /data from its table", async () => {
    const { handler } = setup()
    const plugin = { name: "my-plugin", version: "1.0.0", author: { name: "Your Name" }, plugin: myPlugin }
    const result = handler.savePlugin({
      ...plugin,
      repoType: "local",
      manifest: "local",
      repository: "local",
    })
    expect(result.success).toBe(true)
    await handler.loadPlugin(1)
    handler.getServerHooks(1).table?.insert({ value: "v", metadata: { a: 1 } })
    expect(await handler.handleRoute(1, "/data", get("/data"))).toEqual([{ id: 1, value: "v", metadata: { a: 1 } }])
  })

  it("says which fields are missing when the plugin object lacks code and author", () => {
    const { handler } = setup()
    const result = handler.savePlugin({ name: "my-plugin", version: "1.0.0", repoType: "local", manifest: "local", repository: "local" } as never)
    expect(result).toEqual({ success: false, message: expect.stringMatching(/author: .*; plugin: /) })
  })
})

describe("seed: Server Hooks and Database Access", () => {
  it("getServerHooks gives the plugin's table and logger; getTable counts plugins", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("example-plugin", examplePlugin))
    await handler.loadPlugin(1)
    const hooks = handler.getServerHooks(1)
    expect(hooks.table?.name).toBe("plugin_data")
    expect(typeof hooks.logger.info).toBe("function")
    const table = handler.getTable()
    const count = table.count()
    expect(count).toBe(1)
  })
})

describe("seed: Troubleshooting", () => {
  it("runs the troubleshooting snippets", async () => {
    const { handler } = setup()
    handler.savePlugin(pluginInput("example-plugin", examplePlugin))
    const plugins = handler.getAll()
    expect(plugins).toHaveLength(1)

    let loadError: unknown
    try {
      await handler.loadPlugin(5)
    } catch (err) {
      loadError = err
    }
    expect((loadError as Error).message).toBe("No plugin with id 5")

    await handler.loadPlugin(1)
    const routes = handler.getAllPluginRoutes()
    expect(routes[0]?.routes).toEqual(["/status", "/save"])
    const loaded = handler.getLoadedPlugins()
    expect(loaded).toEqual([1])

    const db = handler.getTable().getDb()
    const tables = db.query("SELECT name FROM sqlite_master WHERE type='table'").all()
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(["plugins", "plugin_data"]))
  })
})

describe("seed: column", () => {
  it("is exported for plugins and hosts alike", () => {
    expect(column.id()).toEqual({ kind: "id" })
  })
})
