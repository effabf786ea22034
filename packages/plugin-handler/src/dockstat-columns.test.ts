/**
 * DockStat's column helpers, `sql` defaults and raw column objects as plugins use them: imported from the
 * SDK under DockStat's package names, in every runtime, and a plugin updated from raw column objects to
 * the helpers keeping its rows.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, PluginError } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, runtimesOnThisHost, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const routes = `
    apiRoutes: { "POST /add": { actions: ["add"] }, "GET /all": { actions: ["all"] } },
    actions: {
      add: ({ table, body }) => table.insertAndGet(body),
      all: ({ table }) => table.select(["*"]).orderBy("id").all(),
    },`

const rawPlugin = `
export default {
  name: "stacks",
  config: {
    table: {
      name: "stacks",
      columns: {
        id: { type: "INTEGER", primaryKey: true, autoincrement: true },
        name: { type: "TEXT", notNull: true, unique: true },
        compose: { type: "JSON" },
        running: { type: "BOOLEAN", default: false },
        created: { type: "INTEGER", default: { _type: "expression", expression: "unixepoch()" } },
      },
    },
    ${routes}
  },
}`

const helperPlugin = `
import { column, sql } from "@dockstat/sqlite-wrapper"
import { sql as sameSql } from "@dockstat/plugin-handler"

export default {
  name: "stacks",
  config: {
    table: {
      name: "stacks",
      columns: {
        id: column.id(),
        name: column.varchar(64, { notNull: true, unique: true }),
        compose: column.json(),
        running: column.boolean({ default: false }),
        created: column.createdAt(),
        state: column.enum(["up", "down"], { default: "down" }),
        key: column.uuid({ generateDefault: true }),
        day: column.text({ default: sameSql.currentDate() }),
        seen: column.datetime({ default: sql.now() }),
      },
    },
    ${routes}
  },
}`

const post = (path: string, body: unknown) => new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe.each(runtimesOnThisHost<RuntimeKind>(["inline", "worker", "sandbox"]))("DockStat columns in plugins: %s runtime", (runtime) => {
  it("raw column objects, then the helpers and sql defaults after an update, rows kept", async () => {
    const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], { logLevel: "silent", runtime, timeoutMs: 5000, sandbox: { maxSliceMs: 5000 } })
    handlers.push(handler)
    const saved = handler.savePlugin(pluginInput("stacks", rawPlugin))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    const first = (await handler.handleRoute(saved.id, "/add", post("/add", { name: "web", compose: { services: { app: {} } } }))) as Record<string, unknown>
    expect(first).toMatchObject({ id: 1, name: "web", compose: { services: { app: {} } }, running: false })
    expect(first.created).toBeGreaterThan(1_700_000_000)

    const updated = await handler.savePlugin(pluginInput("stacks", helperPlugin, { version: "2.0.0" }), true)
    expect(updated).toMatchObject({ success: true, message: expect.any(String) })
    if (!updated.success) throw new Error(updated.message)
    const second = (await handler.handleRoute(saved.id, "/add", post("/add", { name: "db", running: true, state: "up" }))) as Record<string, unknown>
    expect(second).toMatchObject({ id: 2, name: "db", running: true, state: "up", compose: null })
    expect(second.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(second.day).toMatch(/^\d{4}-\d\d-\d\d$/)
    expect(second.seen).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    const rows = (await handler.handleRoute(saved.id, "/all", new Request("http://localhost/all"))) as Record<string, unknown>[]
    expect(rows.map((row) => [row.name, row.state, row.running])).toEqual([
      ["web", "down", false],
      ["db", "up", true],
    ])

    const error = await handler.handleRoute(saved.id, "/add", post("/add", { name: "bad", state: "sideways" })).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PluginError)
    expect([(error as PluginError).status, (error as PluginError).message]).toEqual([400, expect.stringMatching(/breaks a check of the table/)])
  })
})
