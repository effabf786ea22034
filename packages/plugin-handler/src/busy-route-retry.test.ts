/**
 * A plugin's table write that finds the database locked by another connection (another process writing
 * the same file): the route is run again, the event loop free, when nothing of it was stored yet.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, createFetchHandler } from "./index.ts"
import type { PluginHandlerOptions, RuntimeKind } from "./index.ts"
import { pluginInput, useTempDir, watchEventLoop } from "./test-support.ts"

const temp = useTempDir()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function host(file: string, options: PluginHandlerOptions) {
  const db = new DB(file)
  const handler = new PluginHandler(db, [], { logLevel: "silent", ...options })
  cleanups.push(async () => {
    await handler.close()
    db.close()
  })
  return { db, handler, serve: createFetchHandler(handler, { basePath: "/api/v2/plugins" }) }
}

/** Another process's connection holding the write lock until `release()`. */
function lock(file: string) {
  const other = new DB(file, { migrate: false })
  other.client.exec("BEGIN IMMEDIATE")
  let held = true
  const release = () => {
    if (!held) return
    held = false
    other.client.exec("ROLLBACK")
    other.close()
  }
  cleanups.push(release)
  return { release, held: () => held }
}

// POST /add stores one row; POST /two stores one, waits, then stores another (the lock is taken between).
const writer = `export default {
  config: {
    table: { name: "rows", columns: { id: column.id(), tag: column.text() } },
    apiRoutes: { "POST /add": { actions: ["add"] }, "POST /two": { actions: ["first", "pause", "second"] } },
    actions: {
      add: ({ table, body }) => table.insert({ tag: body.tag }),
      first: ({ table }) => table.insert({ tag: "first" }),
      pause: () => new Promise((resolve) => setTimeout(resolve, 4000)),
      second: ({ table }) => table.insert({ tag: "second" }),
    },
  },
}`

const post = (id: number, path: string, body: unknown = {}) =>
  new Request(`http://host/api/v2/plugins/${id}/routes${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe.each<RuntimeKind>(["sandbox", "inline"])("a route whose write finds the database locked (%s runtime)", (runtime) => {
  async function setup(options: PluginHandlerOptions = {}) {
    const file = join(temp(), "app.db")
    const context = host(file, { runtime, ...options })
    const saved = context.handler.savePlugin(pluginInput("writer", writer))
    if (!saved.success) throw new Error(saved.message)
    await context.handler.loadPlugin(saved.id)
    const tags = () => context.db.query("SELECT tag FROM rows ORDER BY id").all().map((row) => row.tag)
    return { ...context, file, id: saved.id, tags }
  }

  it("is run again once the lock goes, with the event loop free meanwhile, and stores the row once", async () => {
    const { file, serve, id, tags } = await setup()
    // Warm: the first call of a plugin may compile or bundle; the loop watch is about the waiting only.
    await serve(post(id, "/add", { tag: "warm" }))
    const { release, held } = lock(file)
    setTimeout(release, 1500)
    const loop = watchEventLoop()
    const response = await serve(post(id, "/add", { tag: "a" }))
    const worst = loop.stop()
    expect(held()).toBe(false)
    expect(response.status).toBe(200)
    expect(tags()).toEqual(["warm", "a"])
    // Waiting happened between tries, not in SQLite: a busy-waiting retry would hold the loop for the
    // whole 1.5 s. Generous for a loaded machine.
    expect(worst).toBeLessThan(1000)
  })

  it("answers 503 with Retry-After after busyRetryMs, never SQLite's 'database is locked', and stores nothing", async () => {
    const { file, serve, id, tags } = await setup({ busyRetryMs: 300 })
    const { release } = lock(file)
    const response = await serve(post(id, "/add", { tag: "a" }))
    release()
    expect(response.status).toBe(503)
    expect(response.headers.get("retry-after")).toBe("1")
    const text = await response.text()
    expect(JSON.parse(text)).toMatchObject({ error: "DATABASE_BUSY", plugin: "writer" })
    expect(text).not.toContain("locked")
    expect(tags()).toEqual([])
  })

  it("is not run again when it stored a row before its write found the lock (no row twice): 503", async () => {
    const { file, handler, id, tags } = await setup()
    const pending = handler.handleRoute(id, "/two", post(id, "/two")).then(
      () => 200,
      (error: { status?: number }) => error.status,
    )
    await expect.poll(tags, { timeout: 30_000 }).toEqual(["first"])
    const { release } = lock(file)
    const status = await pending
    release()
    expect(status).toBe(503)
    expect(tags()).toEqual(["first"])
  })
})

describe("a worker plugin's write", () => {
  it("is not retried by the host: the worker waits on its own connection, in its own thread", async () => {
    const file = join(temp(), "app.db")
    const { handler, serve, db } = host(file, { runtime: "worker" })
    const saved = handler.savePlugin(pluginInput("writer", writer))
    if (!saved.success) throw new Error(saved.message)
    await handler.loadPlugin(saved.id)
    const { release } = lock(file)
    setTimeout(release, 400)
    const response = await serve(post(saved.id, "/add", { tag: "w" }))
    expect(response.status).toBe(200)
    expect(db.query("SELECT tag FROM rows").all()).toEqual([{ tag: "w" }])
  })
})
