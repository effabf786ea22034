/**
 * Hostile plugins against the default runtime (the sandbox): each case tries to reach beyond what the
 * plugin declared, or to take the host down. Every case checks that the host survives, a bystander
 * plugin still answers and the bystander's rows are all there.
 */
import { createServer } from "node:http"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import type { AddressInfo } from "node:net"

import PluginHandler, { DB, PluginError } from "./index.ts"
import type { PluginHandlerOptions } from "./index.ts"
import { pluginInput, useTempDir, watchEventLoop } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

const bystander = `
export default {
  config: {
    table: { name: "bystander_rows", columns: { id: column.id(), label: column.text() } },
    apiRoutes: { "/ping": { actions: ["ping"] }, "POST /rows": { actions: ["add"] } },
    actions: { ping: () => "pong", add: ({ table, body }) => table.insert(body) },
  },
}`

const get = (path: string) => new Request(`http://localhost${path}`)

/** A handler with the bystander installed and holding three rows; `attack` is the hostile plugin's code. */
async function start(attack: string, options: PluginHandlerOptions & { permissions?: { network?: string[]; env?: string[] } } = {}) {
  const { permissions, ...handlerOptions } = options
  const path = join(tempDir(), "app.db")
  const handler = new PluginHandler(new DB(path), ["API"], { logLevel: "silent", timeoutMs: 1000, sandbox: { maxMemoryMb: 32 }, ...handlerOptions })
  handlers.push(handler)
  const saved = handler.savePlugin(pluginInput("bystander", bystander))
  if (!saved.success) throw new Error(saved.message)
  await handler.loadPlugin(saved.id)
  for (const label of ["a", "b", "c"]) {
    await handler.handleRoute(saved.id, "/rows", new Request("http://localhost/rows", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ label }) }))
  }
  const hostile = handler.savePlugin(pluginInput("hostile", attack, permissions ? { permissions } : {}))
  if (!hostile.success) throw new Error(hostile.message)
  const call = (path: string) => handler.handleRoute(hostile.id, path, get(path))
  const failure = async (path: string): Promise<PluginError> => {
    const error = await call(path).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PluginError)
    return error as PluginError
  }
  const bystanderFine = async () => {
    expect(await handler.handleRoute(saved.id, "/ping", get("/ping"))).toBe("pong")
    expect(handler.getServerHooks(saved.id).table?.select(["label"]).all()).toEqual([{ label: "a" }, { label: "b" }, { label: "c" }])
  }
  return { handler, path, hostileId: hostile.id, bystanderId: saved.id, call, failure, bystanderFine }
}

const routes = (actions: Record<string, string>) =>
  `export default { config: { apiRoutes: { ${Object.keys(actions)
    .map((name) => `"/${name}": { actions: [${JSON.stringify(name)}] }`)
    .join(", ")} }, actions: { ${Object.entries(actions)
    .map(([name, body]) => `${JSON.stringify(name)}: ${body}`)
    .join(", ")} } } }`

// The first sandbox of a process compiles QuickJS and builds the guest bundle: slow on a busy machine.
describe("hostile plugins in the default (sandbox) runtime", { timeout: 30_000 }, () => {
  it("runs plugins in the sandbox unless an admin chose otherwise", async () => {
    const { handler, hostileId } = await start(routes({ ok: "() => 1" }))
    const instance = await handler.loadPlugin(hostileId)
    expect(instance.runtime).toBe("sandbox")
  })

  it("a module that throws at import is not loaded", async () => {
    const { handler, hostileId, bystanderFine } = await start(`throw new Error("import boom"); export default {}`)
    await expect(handler.loadPlugin(hostileId)).rejects.toThrow(/import boom/)
    await bystanderFine()
  })

  it("a throwing action is a 500 naming it; an unhandled rejection goes nowhere", async () => {
    const { handler, hostileId, failure, call, bystanderFine } = await start(
      routes({ boom: '() => { throw new Error("boom") }', dangling: '() => { Promise.reject(new Error("nobody awaits me")); return "returned" }' }),
    )
    await handler.loadPlugin(hostileId)
    const error = await failure("/boom")
    expect([error.status, error.message]).toEqual([500, 'Action "boom" of plugin "hostile" failed: boom'])
    expect(await call("/dangling")).toBe("returned")
    await bystanderFine()
  })

  it("an endless loop is interrupted with a 504 naming the action, and the plugin serves its next call", async () => {
    const { handler, hostileId, failure, call, bystanderFine } = await start(routes({ loop: "() => { for (;;) {} }", spin: "async () => { await null; for (;;) {} }", ok: '() => "ok"' }))
    await handler.loadPlugin(hostileId)
    const error = await failure("/loop")
    // Interrupted after its slice of uninterrupted work (sandbox.maxSliceMs, default 200 ms): the host's thread is back at once.
    expect([error.status, error.message]).toEqual([504, 'Route "/loop" of plugin "hostile" did not finish within 200 ms (stuck in action "loop")'])
    expect((await failure("/spin")).status).toBe(504)
    expect(await call("/ok")).toBe("ok")
    await bystanderFine()
  })

  it("a memory bomb fails that plugin only; host memory stays bounded and the plugin starts afresh", async () => {
    const { handler, hostileId, failure, call, bystanderFine } = await start(
      routes({ bomb: "() => { const hog = []; for (;;) hog.push('x'.repeat(1 << 20) + Math.random()) }", ok: '() => "ok"' }),
      // Near its cap the engine collects garbage often: give the bomb the time to hit the cap on a busy machine.
      { timeoutMs: 20_000, sandbox: { maxMemoryMb: 32, maxCrashes: 10, maxSliceMs: 20_000 } },
    )
    await handler.loadPlugin(hostileId)
    const before = process.memoryUsage().rss
    for (let round = 0; round < 3; round++) {
      const error = await failure("/bomb")
      expect(error.status).toBe(500)
      expect(error.message).toMatch(/out of memory/)
      expect(await call("/ok")).toBe("ok")
    }
    // Each engine is capped at 32 MiB; three bombs cannot take the host far past that.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024)
    const status = handler.getStatus().loaded_plugins.find((plugin) => plugin.id === hostileId)
    expect(status?.lastError).toMatch(/out of memory/)
    await bystanderFine()
  })

  it("deep recursion is an error, not a crash", async () => {
    const { handler, hostileId, failure, bystanderFine } = await start(routes({ recurse: "() => { const f = (n) => f(n + 1) + 1; return f(0) }" }))
    await handler.loadPlugin(hostileId)
    expect((await failure("/recurse")).status).toBe(500)
    await bystanderFine()
  })

  it("has no process to kill, exit or abort", async () => {
    const { handler, hostileId, call, bystanderFine } = await start(
      routes({
        kill: "() => { try { process.kill(process.pid, 'SIGKILL') } catch (e) { return e.message } }",
        exit: "() => { try { process.exit(1) } catch (e) { return e.message } }",
        abort: "() => { try { process.abort() } catch (e) { return e.message } }",
        post: "() => typeof postMessage + typeof globalThis.parentPort",
      }),
    )
    await handler.loadPlugin(hostileId)
    for (const path of ["/kill", "/exit", "/abort"]) expect(await call(path)).toMatch(/'?process'? is not defined/)
    expect(await call("/post")).toBe("undefinedundefined")
    await bystanderFine()
  })

  it("reads no environment but what it declared", async () => {
    process.env.DOCKSTAT_TEST_SECRET = "s3cret"
    process.env.DOCKSTAT_TEST_VISIBLE = "shown"
    cleanups.push(async () => {
      delete process.env.DOCKSTAT_TEST_SECRET
      delete process.env.DOCKSTAT_TEST_VISIBLE
    })
    const { handler, hostileId, call, bystanderFine } = await start(routes({ env: "({ env }) => ({ env, process: typeof process, global: Object.keys(globalThis).filter((k) => /SECRET/.test(k)) })" }), {
      permissions: { env: ["DOCKSTAT_TEST_VISIBLE"] },
    })
    await handler.loadPlugin(hostileId)
    expect(await call("/env")).toEqual({ env: { DOCKSTAT_TEST_VISIBLE: "shown" }, process: "undefined", global: [] })
    await bystanderFine()
  })

  it("cannot import node: modules, statically or dynamically", async () => {
    const fileRead = await start(`import { readFileSync } from "node:fs"; export default { config: { actions: { read: () => readFileSync("/etc/passwd", "utf8") } } }`)
    await expect(fileRead.handler.loadPlugin(fileRead.hostileId)).rejects.toThrow(/import of "node:fs" needs a trusted runtime/)
    const child = await start(`import { execSync } from "child_process"; export default {}`)
    await expect(child.handler.loadPlugin(child.hostileId)).rejects.toThrow(/import of "child_process" needs a trusted runtime/)
    const dynamic = await start(routes({ read: '() => import("node:" + "fs").then((fs) => fs.readFileSync("/etc/passwd", "utf8"), (e) => "refused: " + e.message)' }))
    await dynamic.handler.loadPlugin(dynamic.hostileId)
    expect(await dynamic.call("/read")).toMatch(/^refused: .*import of "node:fs" is not allowed in the sandbox runtime/)
    await dynamic.bystanderFine()
  })

  it("is refused at install when it imports a node: module, and nothing is stored", async () => {
    const { handler, bystanderFine } = await start(routes({ ok: "() => 1" }))
    const before = handler.getAll().map((plugin) => plugin.name)
    const manifest = join(tempDir(), "manifest.json")
    writeFileSync(manifest, JSON.stringify({ ...pluginInput("reader", `import { readFileSync } from "node:fs"; export default {}`), repoType: "local" }))
    const result = await handler.installFromFile(manifest)
    expect(result.success).toBe(false)
    expect(result.message).toMatch(/import of "node:fs" needs a trusted runtime/)
    expect(handler.getAll().map((plugin) => plugin.name)).toEqual(before)
    await bystanderFine()
  })

  it("fetches only the hosts it declared; an undeclared one fails inside the plugin and no request leaves", async () => {
    let requests = 0
    const server = createServer((_request, response) => {
      requests += 1
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hello: "world" }))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as AddressInfo
    const { handler, hostileId, call, failure, bystanderFine } = await start(
      routes({
        allowed: `async () => (await fetch("http://127.0.0.1:${port}/data")).json()`,
        denied: `async () => (await fetch("http://localhost:${port}/data")).json()`,
      }),
      { permissions: { network: [`127.0.0.1:${port}`] } },
    )
    await handler.loadPlugin(hostileId)
    expect(await call("/allowed")).toEqual({ hello: "world" })
    expect(requests).toBe(1)
    const error = await failure("/denied")
    expect(error.message).toMatch(/fetch to "localhost:\d+" is not allowed: plugin "hostile" may reach only 127\.0\.0\.1:\d+ \(permissions\.network\)/)
    expect(requests).toBe(1)
    await bystanderFine()
  })

  it("takes a 4 MiB fetch body without holding the host's thread, and many fetches at once are capped", async () => {
    const size = 4 * 1024 * 1024
    const payload = Buffer.alloc(size)
    for (let index = 0; index < size; index += 4096) payload[index] = index % 251
    const server = createServer((request, response) => {
      const body = request.url === "/big" ? payload : Buffer.from("small")
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(body.length) }).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as AddressInfo
    const { handler, hostileId, call, bystanderFine } = await start(
      routes({
        big: `async () => { const bytes = new Uint8Array(await (await fetch("http://127.0.0.1:${port}/big")).arrayBuffer()); let sum = 0; for (let index = 0; index < bytes.length; index += 4096) sum += bytes[index]; return { length: bytes.length, sum } }`,
        burst: `async () => (await Promise.allSettled(Array.from({ length: 20 }, () => fetch("http://127.0.0.1:${port}/small")))).filter((result) => result.status === "rejected").map((result) => String(result.reason?.message))`,
      }),
      { permissions: { network: [`127.0.0.1:${port}`] } },
    )
    await handler.loadPlugin(hostileId)
    let expected = 0
    for (let index = 0; index < size; index += 4096) expected += payload[index] as number
    // The body crossed as base64 before: decoding 4 MiB in the interpreter ran past the slice.
    expect(await call("/big")).toEqual({ length: size, sum: expected })
    const refused = (await call("/burst")) as string[]
    expect(refused).toEqual(Array.from({ length: 4 }, () => expect.stringMatching(/16 fetches in flight: no more can start \(sandbox\.maxFetches\)/)))
    await bystanderFine()
  })

  it("handed-in functions do not lead back to the host realm", async () => {
    const { handler, hostileId, call, bystanderFine } = await start(
      routes({
        escape: `({ table, logger }) => {
          const tries = [
            () => table.constructor.constructor("return typeof process")(),
            () => logger.info.constructor("return typeof process")(),
            () => setTimeout.constructor("return typeof require")(),
            () => URL.constructor("return typeof globalThis.process")(),
            () => Object.getPrototypeOf(function* () {}).constructor("return typeof process")().next().value,
          ]
          return tries.map((attempt) => { try { const out = attempt(); return typeof out === "string" ? out : typeof out } catch (e) { return "threw" } })
        }`,
      }),
    )
    await handler.loadPlugin(hostileId)
    const answers = (await call("/escape")) as string[]
    expect(answers).toHaveLength(5)
    // Each constructor is the sandbox's own Function: evaluated there, it finds no process, no require.
    for (const answer of answers) expect(["undefined", "threw"]).toContain(answer)
    await bystanderFine()
  })

  it("prototype pollution stays inside the polluting plugin", async () => {
    const { handler, hostileId, bystanderId, call, bystanderFine } = await start(
      routes({ pollute: '() => { Object.prototype.polluted = "yes"; Array.prototype.map = () => "hijacked"; JSON.stringify = () => "hijacked"; return ({}).polluted }' }),
    )
    await handler.loadPlugin(hostileId)
    expect(await call("/pollute")).toBe("yes")
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect([1].map((n) => n + 1)).toEqual([2])
    expect(await handler.handleRoute(bystanderId, "/ping", get("/ping"))).toBe("pong")
    await bystanderFine()
  })

  it("a plugin hammering its table never stalls the host for long", async () => {
    const { handler, hostileId, failure, bystanderFine } = await start(
      `export default { config: { table: { name: "hammer_rows", columns: { id: column.id(), n: column.integer() } }, apiRoutes: { "/hammer": { actions: ["hammer"] }, "/stubborn": { actions: ["stubborn"] } }, actions: { hammer: ({ table }) => { for (let n = 0; ; n++) table.insert({ n }) }, stubborn: ({ table }) => { for (let n = 0; ; n++) { try { table.insert({ n }) } catch {} } } } } }`,
    )
    await handler.loadPlugin(hostileId)
    // The longest the host's thread is kept from its event loop while the plugin hammers.
    const loop = watchEventLoop()
    const hammering = failure("/hammer")
    const health = await new Promise<string>((resolve) => setTimeout(() => resolve("answered"), 0))
    const error = await hammering
    await new Promise((resolve) => setTimeout(resolve, 50))
    const worst = loop.stop()
    expect(health).toBe("answered")
    expect(error.status).toBe(504)
    // One slice (200 ms) plus a busy machine's scheduling; a busy-waiting lock would take seconds.
    expect(worst).toBeLessThan(2000)
    expect(handler.getServerHooks(hostileId).table?.count()).toBeGreaterThan(0)
    // Catching the refusals does not help: the loop is interrupted all the same.
    expect((await failure("/stubborn")).status).toBe(504)
    await bystanderFine()
  })

  it("a load racing a delete leaves nothing loaded, and with dropTable no table", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { handler, hostileId, path, bystanderFine } = await start(`export default { config: { table: { name: "victim_rows", columns: { id: column.id() } }, apiRoutes: { "/ok": { actions: ["ok"] } }, actions: { ok: () => "ok" } } }`)
      const loading = handler.loadPlugin(hostileId).then(
        () => "loaded",
        () => "failed",
      )
      expect(handler.deletePlugin(hostileId, { dropTable: true }).success).toBe(true)
      await loading
      await handler.settled()
      expect(handler.getLoadedPlugins()).not.toContain(hostileId)
      const tables = handler.getDb().client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'victim_rows'").all()
      expect(tables).toEqual([])
      expect(existsSync(path)).toBe(true)
      await bystanderFine()
    }
  })
})
