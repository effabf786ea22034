import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import { column, definePlugin, reply } from "./index.ts"
import { createTestHost } from "./test-host.ts"
import type { TestHost } from "./test-host.ts"
import { useTempDir } from "./test-support.ts"

const temp = useTempDir()
const hosts: TestHost[] = []
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close()
})
async function open(options: Parameters<typeof createTestHost>[0]): Promise<TestHost> {
  const host = await createTestHost(options)
  hosts.push(host)
  return host
}

/** The same plugin three ways: as a definition, as module code and as a TypeScript source file. */
const definition = definePlugin({
  name: "visits",
  config: {
    table: { name: "visits", columns: { id: column.id(), who: column.text({ notNull: true }) } },
    apiRoutes: {
      "/visits": { method: ["GET", "POST"], actions: ["visits"] },
      "/visits/:id": { method: "GET", actions: ["one"] },
    },
    actions: {
      visits: ({ table, body, method }) => {
        if (method === "GET") return table?.select(["*"]).orderBy("id").all()
        const who = (body as { who?: unknown } | undefined)?.who
        if (typeof who !== "string") return reply({ error: "who (a string) is required" }, { status: 400 })
        return reply({ id: table?.insert({ who }).insertId }, { status: 201 })
      },
      one: ({ table, params }) => table?.where({ id: Number(params.id) }).get() ?? reply({ error: "no such visit" }, { status: 404 }),
    },
  },
  events: {
    onContainerStart: async ({ container, table }) => {
      table?.insert({ who: `container ${String(container?.id)}` })
    },
    onContainerStop: async () => {
      throw new Error("stop hook broke")
    },
  },
})

const CODE = `import { column, reply } from "@dockstat/plugin-handler"
export default {
  config: {
    table: { name: "visits", columns: { id: column.id(), who: column.text({ notNull: true }) } },
    apiRoutes: { "/visits": { method: ["GET", "POST"], actions: ["visits"] } },
    actions: {
      visits: ({ table, body, method }) => method === "GET" ? table.select(["*"]).orderBy("id").all() : reply({ id: table.insert({ who: body.who }).insertId }, { status: 201 }),
    },
  },
  events: { onContainerStart: async ({ container, table }) => { table.insert({ who: "container " + container.id }) } },
}
`

async function exercise(host: TestHost): Promise<void> {
  const created = await host.request("/visits", { method: "POST", body: { who: "ada" } })
  expect(created).toMatchObject({ status: 201, body: { id: 1 } })
  expect(created.headers.get("content-type")).toMatch(/application\/json/)
  await host.emit("onContainerStart", { container: { id: "c0ffee" } })
  const listed = await host.request("/visits")
  expect(listed).toMatchObject({ status: 200, body: [{ id: 1, who: "ada" }, { id: 2, who: "container c0ffee" }] })
  expect(host.table?.all()).toEqual([{ id: 1, who: "ada" }, { id: 2, who: "container c0ffee" }])
}

describe("createTestHost", { timeout: 60_000 }, () => {
  it("runs a plugin definition inline in a real handler: routes, hooks and its table", async () => {
    const host = await open({ plugin: definition })
    expect(host.instance).toMatchObject({ name: "visits", runtime: "inline" })
    await exercise(host)
    expect(await host.request("/visits/1")).toMatchObject({ status: 200, body: { who: "ada" } })
    expect(await host.request("/visits/9")).toMatchObject({ status: 404, body: { error: "no such visit" } })
    expect(await host.request("/visits", { method: "POST", body: { who: 7 } })).toMatchObject({ status: 400 })
    // The handler's own answers come through too: an unknown path lists the routes, a wrong method gets 405.
    expect(await host.request("/nope")).toMatchObject({ status: 404, body: { error: "ROUTE_NOT_FOUND" } })
    expect((await host.request("/visits/1", { method: "DELETE" })).status).toBe(405)
  })

  it("runs module code in the sandbox runtime by default", async () => {
    const host = await open({ code: CODE, name: "visits-code" })
    expect(host.instance).toMatchObject({ name: "visits-code", runtime: "sandbox" })
    await exercise(host)
  })

  it("bundles a TypeScript source as the build does and runs it in the sandbox, or in the runtime asked for", async () => {
    const dir = temp()
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "visits-ts", version: "1.0.0", type: "module" }))
    mkdirSync(join(dir, "src"))
    writeFileSync(join(dir, "src", "who.ts"), "export const label = (id: string): string => `container ${id}`\n")
    writeFileSync(join(dir, "src", "index.ts"), CODE.replace('import { column, reply } from "@dockstat/plugin-handler"', 'import { column, reply } from "@dockstat/plugin-handler"\nimport { label } from "./who.ts"').replace('"container " + container.id', "label(container.id as string)"))
    const sandboxed = await open({ entry: join(dir, "src", "index.ts"), name: "visits-ts" })
    expect(sandboxed.instance.runtime).toBe("sandbox")
    await exercise(sandboxed)
    await sandboxed.close()
    const worker = await open({ entry: join(dir, "src", "index.ts"), name: "visits-worker", runtime: "worker" })
    expect(worker.instance.runtime).toBe("worker")
    await exercise(worker)
  })

  it("rejects emit when the hook failed, or when the plugin has no such hook", async () => {
    const host = await open({ plugin: definition })
    await expect(host.emit("onContainerStop", { container: { id: "x" } })).rejects.toThrow("stop hook broke")
    await expect(host.emit("onImagePull", {})).rejects.toThrow('Plugin "visits" has no onImagePull hook (it has onContainerStart, onContainerStop)')
  })

  it("each host has its own database: rows of one are not in the next", async () => {
    const first = await open({ plugin: definition })
    await first.request("/visits", { method: "POST", body: { who: "ada" } })
    const second = await open({ plugin: definition })
    expect(second.table?.count()).toBe(0)
  })

  it("close() removes the temporary database and may be called twice", async () => {
    const host = await createTestHost({ plugin: definition })
    const path = host.handler.getDb().path
    expect(existsSync(path)).toBe(true)
    await host.close()
    await host.close()
    expect(existsSync(path)).toBe(false)
  })

  it("refuses unclear input with a message saying what to give", async () => {
    await expect(createTestHost({})).rejects.toThrow("createTestHost needs exactly one of plugin (a definition), code (a module's source) or entry (a source file); got none")
    await expect(createTestHost({ plugin: definition, code: CODE })).rejects.toThrow("got plugin and code")
    await expect(createTestHost({ plugin: definition, runtime: "sandbox" })).rejects.toThrow("a plugin definition runs in the inline runtime only")
  })

  it("rejects with the load error when the plugin does not load, leaving nothing open", async () => {
    await expect(createTestHost({ code: 'export default { config: { apiRoutes: { "/x": { actions: ["missing"] } } } }' })).rejects.toThrow(/Could not load plugin "test-plugin" \(id 1\): .*missing/)
  })
})
