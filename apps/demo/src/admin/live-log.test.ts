/**
 * The live log, `GET /api/v2/events` (Server-Sent Events) over real HTTP: history then live activity,
 * Docker events delivered to hooks, resume after Last-Event-ID, heartbeats, a bounded queue for a client
 * that does not read, a cap on clients, and streams that end when the server closes.
 */
import { connect } from "node:net"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"

import { startServer } from "../server.ts"
import type { RunningServer } from "../server.ts"
import { startEngineStandIn } from "../test-support/engine-stand-in.ts"
import type { EngineStandIn } from "../test-support/engine-stand-in.ts"
import { sseReader } from "../test-support/sse-reader.ts"
import type { SseFrame } from "../test-support/sse-reader.ts"
import { createTempDir } from "../test-support/temp-dir.ts"

const MAX_QUEUE_BYTES = 32 * 1024
/** Failing calls the slow client misses: ~8 MB of activity, more than loopback sockets buffer (~4 MB here). */
const CALLS = 2000

const activity = (frame: SseFrame) => JSON.parse(frame.data ?? "null") as Record<string, unknown> & { kind: string; seq: number; message: string }
const isKind = (kind: string, extra: (value: ReturnType<typeof activity>) => boolean = () => true) => (frame: SseFrame) => frame.event === "activity" && activity(frame).kind === kind && extra(activity(frame))

describe("live log over Server-Sent Events", () => {
  const temp = createTempDir()
  let server: RunningServer
  let engine: EngineStandIn
  /** A plugin whose one route throws a 5000-character error: an activity of ~4 KB per call. */
  let noisy: number
  const open: { cancel(): Promise<unknown> }[] = []
  const events = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/api/v2/events`, { headers })
    const reader = sseReader(response)
    open.push(reader)
    return { response, reader }
  }

  beforeAll(async () => {
    engine = await startEngineStandIn()
    server = await startServer({
      dbPath: temp.file("d.db"),
      port: 0,
      logLevel: "silent",
      docker: { host: engine.host },
      admin: { events: { heartbeatMs: 200, maxQueueBytes: MAX_QUEUE_BYTES, maxClients: 4, history: 10, replay: 5 } },
    })
    const saved = server.handler.savePlugin({ name: "noisy", version: "1.0.0", repository: "r", manifest: "m", author: {}, repoType: "default", plugin: `export default { config: { apiRoutes: { "/boom": { actions: ["boom"] } }, actions: { boom: () => { throw new Error("x".repeat(5000)) } } } }` })
    if (!saved.success) throw new Error(saved.message)
    noisy = saved.id
    await server.handler.activatePlugin(noisy)
  })
  let cleanupSocket: (() => void) | undefined
  // Every test leaves no stream open: the hub serves at most 4.
  afterEach(async () => {
    cleanupSocket?.()
    cleanupSocket = undefined
    for (const reader of open.splice(0)) await reader.cancel()
    if (server.admin.hub.stats().clients > 0) await expect.poll(() => server.admin.hub.stats().clients, { timeout: 10_000 }).toBe(0)
  })
  afterAll(async () => {
    for (const reader of open) await reader.cancel()
    await server?.close()
    await engine?.close()
    temp.remove()
  })

  it("replays what happened before the client came (the boot's loads), then streams each new activity as it happens", async () => {
    const { response, reader } = await events()
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8")
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform")
    const first = await reader.next()
    expect(first.retry).toBe("3000")

    const boot = await reader.next(isKind("load", (value) => value.plugin === "example-plugin"))
    expect(activity(boot)).toMatchObject({ pluginId: 1, runtime: "sandbox", message: expect.stringContaining("example-plugin (id 1) loaded") })

    const deactivated = await fetch(`${server.url}/api/v2/plugins/2/deactivate`, { method: "POST" })
    expect(deactivated.status).toBe(200)
    const unload = await reader.next(isKind("unload"))
    const deactivate = await reader.next(isKind("deactivate"))
    expect(activity(deactivate)).toMatchObject({ pluginId: 2, plugin: "data-processor", message: "data-processor (id 2) deactivated" })
    expect(Number(deactivate.id)).toBe(activity(deactivate).seq)
    expect(Number(deactivate.id)).toBeGreaterThan(Number(unload.id))
    await fetch(`${server.url}/api/v2/plugins/2/activate`, { method: "POST" })
    await reader.next(isKind("activate", (value) => value.pluginId === 2))
  })

  it("shows Docker events as they reach plugin hooks, and plugin failures", async () => {
    const { reader } = await events()
    await expect.poll(() => server.handler.getDockerStatus()?.connected, { timeout: 20_000 }).toBe(true)
    engine.emit("start", "web")
    const delivered = await reader.next(isKind("event", (value) => value.source === "docker"))
    expect(activity(delivered)).toMatchObject({ hook: "onContainerStart", subject: "container web", failed: 0, message: expect.stringMatching(/^onContainerStart \(container web\) from docker delivered to [1-9]/) })

    const failed = await fetch(`${server.url}/api/v2/plugins/${noisy}/routes/boom`)
    expect(failed.status).toBe(500)
    const action = await reader.next(isKind("action-failed"))
    // The 5000-character error is cut for the log.
    expect(activity(action)).toMatchObject({ pluginId: noisy, plugin: "noisy", route: "/boom", action: "boom", status: 500, error: expect.stringMatching(/x{100}… \([0-9]+ more characters\)$/) })
    expect(action.data?.length).toBeLessThan(5000)
  })

  it("resumes after Last-Event-ID with only what came later, saying how much the history no longer holds", async () => {
    const { reader: first } = await events()
    await fetch(`${server.url}/api/v2/plugins/1/reload`, { method: "POST" })
    const seen = await first.next(isKind("load", (value) => value.pluginId === 1))
    await fetch(`${server.url}/api/v2/plugins/3/reload`, { method: "POST" })
    await first.next(isKind("load", (value) => value.pluginId === 3))

    const { reader: resumed } = await events({ "last-event-id": seen.id ?? "" })
    const next = await resumed.next((frame) => frame.event === "activity")
    expect(Number(next.id)).toBe(Number(seen.id) + 1)

    const { reader: old } = await events({ "last-event-id": "0" })
    const dropped = await old.next((frame) => frame.event === "dropped" || frame.event === "activity")
    // The history holds 10 activities; more happened since the start.
    expect(dropped.event).toBe("dropped")
    expect(JSON.parse(dropped.data ?? "{}").dropped).toBeGreaterThan(0)
  })

  it("sends heartbeats to an idle client", async () => {
    const { reader } = await events()
    const ping = await reader.next((frame) => frame.comments.includes("ping"))
    expect(ping.data).toBeUndefined()
  })

  it("keeps at most its queue for a client that does not read, drops the oldest and tells it so", { timeout: 120_000 }, async () => {
    // A raw socket that asks for the stream and then reads nothing.
    const socket = connect(server.port, "127.0.0.1")
    await new Promise<void>((resolve) => socket.once("connect", resolve))
    socket.pause()
    cleanupSocket = () => socket.destroy()
    // From the latest activity on: no replay, so the count below is this test's calls alone.
    const last = server.admin.hub.recent().at(-1)?.seq ?? 0
    socket.write(`GET /api/v2/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\nLast-Event-ID: ${last}\r\n\r\n`)
    await expect.poll(() => statsOf(server).clients, { timeout: 10_000 }).toBe(1)

    // Each failing call is an activity of ~4 KB (its long message trimmed): 2000 of them are far more than
    // the socket, the server's buffers and the queue hold. The event loop runs between batches, so the
    // stream writes what the socket takes.
    for (let call = 0; call < CALLS; call += 1) {
      await server.handler.handleRoute(noisy, "/boom", new Request("http://localhost/boom")).catch(() => undefined)
      if (call % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    const [queued] = statsOf(server).queuedBytes
    expect(queued).toBeLessThanOrEqual(MAX_QUEUE_BYTES)
    // Full: the socket pushed back, and the queue is what stopped growing.
    expect(queued).toBeGreaterThan(MAX_QUEUE_BYTES / 2)

    // Reading now: every one of them either arrives or is counted in a "dropped" frame; none is lost unsaid.
    socket.resume()
    let text = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => void (text += chunk))
    const count = () => {
      const delivered = text.match(new RegExp(`event: activity\ndata: \\{"kind":"action-failed","pluginId":${noisy},`, "g"))?.length ?? 0
      const dropped = [...text.matchAll(/event: dropped\ndata: \{"dropped":([0-9]+)\}/g)].reduce((sum, match) => sum + Number(match[1]), 0)
      return { delivered, dropped }
    }
    await expect.poll(() => count().delivered + count().dropped, { timeout: 30_000 }).toBe(CALLS)
    expect(count().dropped).toBeGreaterThan(0)
    socket.destroy()
    await expect.poll(() => statsOf(server).clients, { timeout: 10_000 }).toBe(0)
  })

  it("answers 503 past its client cap", async () => {
    for (let index = 0; index < 4; index += 1) expect((await events()).response.status).toBe(200)
    const refused = await fetch(`${server.url}/api/v2/events`)
    expect(refused.status).toBe(503)
    expect(refused.headers.get("retry-after")).toBe("10")
    expect(await refused.json()).toMatchObject({ error: "TOO_MANY_CLIENTS" })
    // A client that leaves frees its place.
    await open.pop()?.cancel()
    await expect.poll(() => statsOf(server).clients, { timeout: 10_000 }).toBe(3)
    expect((await events()).response.status).toBe(200)
  })

  it("ends every stream cleanly when the server closes", async () => {
    const { reader } = await events()
    await reader.next()
    await server.close()
    // Ended as a stream ends (its last chunk), not cut off: a cut connection would reject the read.
    await reader.ended(10_000)
  })
})

function statsOf(server: RunningServer) {
  return server.admin.hub.stats()
}
