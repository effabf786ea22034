/**
 * Both event styles, in every runtime: upstream DockStat's names (`"container:started"(ctx, { table,
 * logger })`), the seed's names (`onContainerStart({ container, table, logger })`), and the seed's names
 * written in upstream's form (`onContainerStart: (container, { logger }) => ...`, as plugin-builder's
 * docs show them). Docker events come from a real, private dockerd.
 */
import { join } from "node:path"
import { pino } from "pino"
import { afterAll, afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import type { PluginHandlerOptions } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, runtimesOnThisHost, useTempDir } from "./test-support.ts"
// The events package's own harness: a dockerd of our own (skipped with the reason where none can run).
import { containerSpec, startDockerd } from "../../events/src/test-support/dockerd.ts"
import { createEngineProxy } from "../../events/src/test-support/engine-proxy.ts"
import type { Dockerd } from "../../events/src/test-support/dockerd.ts"

const tempDir = useTempDir()
const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const RUNTIMES: RuntimeKind[] = runtimesOnThisHost<RuntimeKind>(["sandbox", "worker", "inline"])

/** Upstream's style: the context, then `{ table, logger }` last. Records what it got in its table. */
const upstreamStyle = `export default {
  name: "upstream-style",
  config: { table: { name: "upstream_seen", columns: { id: column.id(), hook: column.text(), ctx: column.json(), server: column.json() } } },
  events: {
    "container:started": function (ctx, { table, logger }) {
      logger.info("started " + ctx.containerId)
      table.insert({ hook: "container:started", ctx, server: { args: arguments.length, table: typeof table.insert, logger: typeof logger.info, keys: Object.keys(ctx).sort() } })
    },
    "host:health:changed": (ctx, { table }) => { table.insert({ hook: "host:health:changed", ctx, server: {} }) },
    "host:added": (ctx, { table }) => { table.insert({ hook: "host:added", ctx, server: {} }) },
    "host:removed": (ctx, { table }) => { table.insert({ hook: "host:removed", ctx, server: {} }) },
  },
}`

/** The seed's style, as its README writes it. */
const seedStyle = `export default {
  name: "seed-style",
  config: { table: { name: "seed_seen", columns: { id: column.id(), containerId: column.text(), name: column.text(), hostId: column.text(), hostName: column.text() } } },
  events: {
    onContainerStart: async ({ container, hostId, hostName, logger, table }) => {
      logger.info("Container started: " + container.id)
      table.insert({ containerId: container.id, name: container.name, hostId: String(hostId), hostName })
    },
  },
}`

/** The third form: the seed's name with upstream's signature, as plugin-builder's docs show it. */
const thirdForm = `export default {
  name: "third-form",
  config: { table: { name: "third_seen", columns: { id: column.id(), containerId: column.text(), name: column.text(), logger: column.text(), tableFn: column.text() } } },
  events: {
    onContainerStart: async (container, { logger, table }) => {
      logger.info(container.id)
      table.insert({ containerId: container.id, name: container.name, logger: typeof logger.info, tableFn: typeof table.insert })
    },
  },
}`

const brokenThirdForm = `export default {
  name: "third-form-broken",
  events: { onContainerStart: async (container, { logger }) => { throw new Error("cannot handle " + container.id) } },
}`

interface Line {
  msg?: string
  plugin?: string
  hook?: string
  err?: string
}

function makeHandler(runtime: RuntimeKind, options: PluginHandlerOptions = {}): { handler: PluginHandler; db: DB; lines: Line[] } {
  const lines: Line[] = []
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) })
  const db = new DB(join(tempDir(), "app.db"))
  const handler = new PluginHandler(db, [], { logger, runtime, ...options })
  cleanups.push(() => handler.close())
  return { handler, db, lines }
}

const json = (row: Record<string, unknown> | undefined, ...columns: string[]) =>
  row === undefined ? undefined : { ...row, ...Object.fromEntries(columns.map((column) => [column, JSON.parse(row[column] as string) as unknown])) }

describe.each(RUNTIMES)("both naming styles through emit() (%s)", (runtime) => {
  it("calls each style's hooks with its own arguments, only for the name emitted", async () => {
    const { handler, db } = makeHandler(runtime)
    for (const [name, code] of [["upstream-style", upstreamStyle], ["seed-style", seedStyle], ["third-form", thirdForm]]) handler.savePlugin(pluginInput(name as string, code as string))
    await handler.loadAllPlugins()

    const ctx = { hostId: 3, containerId: "c0ffee", containerInfo: { id: "c0ffee", hostId: 3, name: "web", image: "nginx", status: "running", state: "running", ports: [], labels: {} } }
    const upstream = await handler.emit("container:started", ctx)
    expect(upstream.results.map((result) => [result.plugin, result.status])).toEqual([["upstream-style", "ok"]])
    const row = json(db.query("SELECT * FROM upstream_seen").get() as Record<string, unknown>, "ctx", "server")
    expect(row).toMatchObject({ hook: "container:started", ctx, server: { args: 2, table: "function", logger: "function", keys: ["containerId", "containerInfo", "hostId"] } })

    const seed = await handler.emit("onContainerStart", { container: { id: "beef", name: "db" }, hostId: 3, hostName: "lab" })
    expect(seed.results.map((result) => [result.plugin, result.status])).toEqual([["seed-style", "ok"], ["third-form", "ok"]])
    expect(db.query("SELECT containerId, name, hostId, hostName FROM seed_seen").all()).toEqual([{ containerId: "beef", name: "db", hostId: "3", hostName: "lab" }])
    // The third form's first argument reads the container's own fields; its second is { table, logger }.
    expect(db.query("SELECT containerId, name, logger, tableFn FROM third_seen").all()).toEqual([{ containerId: "beef", name: "db", logger: "function", tableFn: "function" }])
    expect(db.query("SELECT count(*) AS n FROM upstream_seen").get()).toEqual({ n: 1 })
  })

  it("refuses an event name that is in neither catalog, naming it", async () => {
    const { handler } = makeHandler(runtime)
    await expect(handler.emit("container:start" as never, {})).rejects.toThrow('emit(): "container:start" is not a known event hook')
  })

  it("logs a failing hook of the third form and counts it in getStatus, never silently", async () => {
    const { handler, lines } = makeHandler(runtime)
    const { id } = handler.savePlugin(pluginInput("third-form-broken", brokenThirdForm)) as { id: number }
    await handler.loadAllPlugins()
    const report = await handler.emit("onContainerStart", { container: { id: "dead" } })
    expect(report.results).toEqual([expect.objectContaining({ pluginId: id, status: "error", message: expect.stringContaining("cannot handle dead") })])
    expect(handler.getStatus().loaded_plugins.find((plugin) => plugin.id === id)).toMatchObject({ hookFailures: 1, lastHookError: expect.stringContaining("cannot handle dead") })
    expect(lines).toContainEqual(expect.objectContaining({ msg: "plugin hook failed", plugin: "third-form-broken", hook: "onContainerStart", err: expect.stringContaining("cannot handle dead") }))
  })

  it("hands upstream hooks in the seed's getHookHandlers() map the server context given last", async () => {
    const { handler, db } = makeHandler(runtime)
    const { id } = handler.savePlugin(pluginInput("upstream-style", upstreamStyle)) as { id: number }
    await handler.loadAllPlugins()
    const hooks = handler.getHookHandlers().get(id)
    const { table, logger } = handler.getServerHooks(id)
    await hooks?.["container:started"]?.({ hostId: 1, containerId: "x", containerInfo: { id: "x", hostId: 1, name: "x", image: "i", status: "running", state: "running", ports: [], labels: {} } }, { table, logger })
    expect(json(db.query("SELECT * FROM upstream_seen").get() as Record<string, unknown>, "ctx", "server")).toMatchObject({ ctx: { containerId: "x" }, server: { args: 2, keys: ["containerId", "containerInfo", "hostId"] } })
  })
})

const probe = await startDockerd()
if (!probe.ok) console.warn(`Skipping the real Docker engine tests of both event styles: ${probe.reason}`)
const dockerd = (probe.ok ? probe.dockerd : undefined) as Dockerd

describe.skipIf(!probe.ok)("both naming styles under a real dockerd", () => {
  afterAll(async () => {
    await dockerd.close()
  })

  async function runContainer(name: string): Promise<string> {
    const { Id } = await dockerd.api.json<{ Id: string }>("POST", `/containers/create?name=${name}`, containerSpec())
    cleanups.push(() => dockerd.api.raw("DELETE", `/containers/${Id}?force=1`))
    await dockerd.api.json("POST", `/containers/${Id}/start`)
    return Id
  }

  it.each(RUNTIMES)("a container start reaches upstream, seed and third-form hooks with the host's id (%s)", async (runtime) => {
    const { handler, db, lines } = makeHandler(runtime, { docker: { hosts: [{ id: 7, name: "lab", host: dockerd.host }] } })
    for (const [name, code] of [["upstream-style", upstreamStyle], ["seed-style", seedStyle], ["third-form", thirdForm]]) handler.savePlugin(pluginInput(name as string, code as string))
    await handler.start()
    await expect.poll(() => handler.getDockerStatus()?.connected, { timeout: 20_000 }).toBe(true)
    const name = `styles-${runtime}`
    const id = await runContainer(name)

    const started = () => db.query("SELECT * FROM upstream_seen WHERE hook = 'container:started'").all() as Record<string, unknown>[]
    await expect.poll(() => started().length, { timeout: 20_000 }).toBe(1)
    expect(json(started()[0], "ctx", "server")).toMatchObject({
      ctx: {
        hostId: 7,
        containerId: id,
        containerInfo: { id, hostId: 7, name, image: dockerd.image, status: "running", state: "running", created: expect.any(Number), ports: [], labels: {} },
      },
      server: { args: 2, table: "function", logger: "function", keys: ["containerId", "containerInfo", "hostId"] },
    })
    await expect.poll(() => db.query("SELECT containerId, name, hostId, hostName FROM seed_seen").all(), { timeout: 20_000 }).toEqual([{ containerId: id, name, hostId: "7", hostName: "lab" }])
    await expect.poll(() => db.query("SELECT containerId, name, logger, tableFn FROM third_seen").all(), { timeout: 20_000 }).toEqual([{ containerId: id, name, logger: "function", tableFn: "function" }])
    // plugin-builder's docs example, `logger.info(container.id)`, logs the container's id.
    expect(lines).toContainEqual(expect.objectContaining({ msg: id }))
    const health = db.query("SELECT ctx FROM upstream_seen WHERE hook = 'host:health:changed'").all() as { ctx: string }[]
    expect(health.map((row) => JSON.parse(row.ctx))).toEqual([{ hostId: 7, hostName: "lab", healthy: true }])
    expect(handler.getDockerStatus()).toMatchObject({ failed: 0, hosts: [{ hostId: 7, hostName: "lab", connected: true }] })
  })

  it("polls metrics only while a loaded plugin listens, and delivers them to it", async () => {
    const proxy = await createEngineProxy(dockerd.host)
    cleanups.push(() => proxy.close())
    const id = await runContainer("metered")
    const { handler, db } = makeHandler("sandbox", { docker: { hosts: [{ id: 1, name: "metered", host: proxy.host }], metricsIntervalMs: 100 } })
    handler.savePlugin(pluginInput("seed-style", seedStyle))
    const watcher = handler.savePlugin(
      pluginInput(
        "metrics-watcher",
        `export default {
          config: { table: { name: "metrics_seen", columns: { id: column.id(), hook: column.text(), ctx: column.json() } } },
          events: {
            "container:metrics": (ctx, { table }) => { table.insert({ hook: "container:metrics", ctx }) },
            "host:metrics": (ctx, { table }) => { table.insert({ hook: "host:metrics", ctx }) },
          },
        }`,
      ),
    ) as { id: number }
    handler.deactivatePlugin(watcher.id)
    await handler.start()
    await expect.poll(() => handler.getDockerStatus()?.connected, { timeout: 20_000 }).toBe(true)
    const metricsRequests = () => proxy.requests.filter((line) => line.startsWith("GET /info") || line.startsWith("GET /containers/json") || line.includes("/stats")).length
    const ticks = () => handler.getDockerStatus()?.hosts[0]?.metrics.ticks ?? 0
    const before = metricsRequests()

    // Loaded plugins listen to neither metrics hook: intervals pass, the engine is asked nothing.
    const tick0 = ticks()
    await expect.poll(ticks, { timeout: 20_000 }).toBeGreaterThanOrEqual(tick0 + 5)
    expect(metricsRequests()).toBe(before)
    expect(handler.getDockerStatus()?.hosts[0]?.metrics).toMatchObject({ polls: 0, lastPollAt: null })

    await handler.activatePlugin(watcher.id)
    const seen = (hook: string) => (db.query("SELECT ctx FROM metrics_seen WHERE hook = ?").all(hook) as { ctx: string }[]).map((row) => JSON.parse(row.ctx) as Record<string, unknown>)
    await expect.poll(() => seen("container:metrics").some((ctx) => ctx.containerId === id), { timeout: 20_000 }).toBe(true)
    await expect.poll(() => seen("host:metrics").length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
    expect(seen("container:metrics").find((ctx) => ctx.containerId === id)).toMatchObject({
      hostId: 1,
      containerId: id,
      docker_client_id: 1,
      stats: { id, hostId: 1, name: "metered", state: "running", cpuUsage: expect.any(Number), memoryUsage: expect.any(Number), memoryLimit: expect.any(Number), stats: expect.any(Object) },
    })
    expect(seen("host:metrics")[0]).toMatchObject({ hostId: 1, hostName: "metered", docker_client_id: 1, metrics: { hostId: 1, containersRunning: expect.any(Number), dockerVersion: expect.any(String) } })
    expect(metricsRequests()).toBeGreaterThan(before)

    // Unloaded again: after the poll in progress, nothing more is asked.
    handler.deactivatePlugin(watcher.id)
    const tick1 = ticks()
    await expect.poll(ticks, { timeout: 20_000 }).toBeGreaterThanOrEqual(tick1 + 2)
    const settled = metricsRequests()
    const tick2 = ticks()
    await expect.poll(ticks, { timeout: 20_000 }).toBeGreaterThanOrEqual(tick2 + 5)
    expect(metricsRequests()).toBe(settled)
  })

  it("reports host:health:changed on connect and when the engine goes away and comes back; host:added and host:removed at run time", async () => {
    const { handler, db } = makeHandler("inline", { docker: { hosts: [{ id: "main", name: "main", host: dockerd.host }], backoff: { initialMs: 50, maxMs: 500 } } })
    handler.savePlugin(pluginInput("upstream-style", upstreamStyle))
    await handler.start()
    const events = (hook: string) => (db.query("SELECT ctx FROM upstream_seen WHERE hook = ? ORDER BY id").all(hook) as { ctx: string }[]).map((row) => JSON.parse(row.ctx) as unknown)
    await expect.poll(() => events("host:health:changed"), { timeout: 20_000 }).toEqual([{ hostId: "main", hostName: "main", healthy: true }])

    await dockerd.kill()
    await expect.poll(() => events("host:health:changed").length, { timeout: 20_000 }).toBe(2)
    expect(events("host:health:changed")[1]).toEqual({ hostId: "main", hostName: "main", healthy: false, error: expect.stringContaining(dockerd.host) })
    expect(handler.getDockerStatus()).toMatchObject({ connected: false })
    await dockerd.start()
    await expect.poll(() => events("host:health:changed").length, { timeout: 30_000 }).toBe(3)
    expect(events("host:health:changed")[2]).toEqual({ hostId: "main", hostName: "main", healthy: true })

    expect(await handler.addDockerHost({ id: "main", name: "twice", host: dockerd.host })).toEqual({ success: false, message: expect.stringContaining('id "main" is already used') })
    expect(await handler.addDockerHost({ id: 2, name: "second", host: "ssh://nowhere" })).toEqual({ success: false, message: expect.stringContaining('Invalid DOCKER_HOST "ssh://nowhere"') })
    expect(await handler.addDockerHost({ id: 2, name: "second", host: dockerd.host })).toEqual({ success: true, message: 'Added Docker host 2 (second)' })
    expect(events("host:added")).toEqual([{ hostId: 2, hostName: "second", docker_client_id: 2 }])
    await expect.poll(() => handler.getDockerStatus()?.hosts.map((host) => [host.hostId, host.connected]), { timeout: 20_000 }).toEqual([["main", true], [2, true]])
    expect(handler.getDockerHosts()).toEqual([{ id: "main", name: "main", host: dockerd.host }, { id: 2, name: "second", host: dockerd.host }])
    expect(await handler.removeDockerHost(2)).toEqual({ success: true, message: "Removed Docker host 2 (second)" })
    expect(events("host:removed")).toEqual([{ hostId: 2, hostName: "second", docker_client_id: 2 }])
    expect(handler.getDockerStatus()?.hosts.map((host) => host.hostId)).toEqual(["main"])
    expect(await handler.removeDockerHost(2)).toEqual({ success: false, message: "No Docker host has id 2" })
  })
})
