import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

import { afterEach, describe, expect, it } from "vitest"

import { createDockerEventSource } from "./docker-event-source.ts"
import { formatEngineTime } from "./engine-event.ts"
import { createRecordedEngine } from "./test-support/recorded-engine.ts"
import { fixtureJson, fixtureLines } from "./test-support/recorded-harness.ts"
import { waitFor } from "./test-support/wait-for.ts"

import type { DockerDelivery, DockerEventSource, DockerEventSourceOptions } from "./docker-event-source.ts"
import type { RecordedEngine } from "./test-support/recorded-engine.ts"

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function engine(): Promise<RecordedEngine> {
  const created = await createRecordedEngine({ inspectTemplate: fixtureJson("container-inspect.json") })
  cleanups.push(() => created.close())
  return created
}

function logs() {
  const entries: { level: string; message: string }[] = []
  const at = (level: string) => (_details: unknown, message?: unknown) => void entries.push({ level, message: String(message) })
  return { entries, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } }
}

function source(options: Partial<DockerEventSourceOptions> & { host: string }): { source: DockerEventSource; deliveries: DockerDelivery[] } {
  const deliveries: DockerDelivery[] = []
  const created = createDockerEventSource({ deliver: (delivery) => void deliveries.push(delivery), backoff: { initialMs: 20, maxMs: 200 }, ...options })
  cleanups.push(() => created.stop())
  return { source: created, deliveries }
}

const line = (id: string, action = "start") =>
  `{"Type":"container","Action":"${action}","Actor":{"ID":"${id}","Attributes":{"name":"${id}","image":"busybox"}},"time":1,"timeNano":1000000000}`

describe("createDockerEventSource", () => {
  it("delivers every hooked event of the recorded streams, in order, and passes over those without a hook", async () => {
    const recorded = await engine()
    const { source: events, deliveries } = source({ host: recorded.host })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    const lines = [...fixtureLines("images.jsonl"), ...fixtureLines("volumes-networks.jsonl")]
    recorded.emit(lines)
    await waitFor(() => deliveries.length === lines.length - 1, "the deliveries")
    expect(deliveries.map((delivery) => delivery.hook)).toEqual([
      "onImageTag",
      "onImageTag",
      "onImageUntag",
      "onImageUntag",
      "onImageRemove",
      "onVolumeCreate",
      "onVolumeDestroy",
      "onNetworkCreate",
      "onNetworkDestroy",
    ])
    expect(deliveries[0]?.payload).toMatchObject({ image: { name: "dockstat-fixture:v1" } })
    expect(events.status().delivered).toBe(9)
  })

  it("reads from a tcp:// DOCKER_HOST the same way, reconnect included", async () => {
    const recorded = await createRecordedEngine({ transport: "tcp" })
    cleanups.push(() => recorded.close())
    const { source: events, deliveries } = source({ host: recorded.host })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit([line("over-tcp")])
    await waitFor(() => deliveries.length === 1, "the event")
    await recorded.goAway()
    recorded.emit([line("while-away")])
    await recorded.comeBack()
    await waitFor(() => deliveries.length === 2, "the event from the outage")
    expect(deliveries.map((delivery) => delivery.event.Actor.ID)).toEqual(["over-tcp", "while-away"])
    expect(events.status().host).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
  })

  it("skips exactly the events it already delivered when a reconnect repeats their nanosecond", async () => {
    const recorded = await engine()
    const { source: events, deliveries } = source({ host: recorded.host })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    const moment = recorded.now() + 1_000_000n
    recorded.emit([line("a"), line("b")], { at: moment })
    await waitFor(() => deliveries.length === 2, "a and b")

    await recorded.goAway()
    // Same nanosecond, after the stream broke: only c is new; since=moment brings back a and b too.
    recorded.emit([line("c")], { at: moment })
    await recorded.comeBack()
    recorded.emit([line("d")])
    await waitFor(() => deliveries.length >= 4, "c and d")
    expect(deliveries.map((delivery) => delivery.event.Actor.ID)).toEqual(["a", "b", "c", "d"])
    expect(recorded.requests.filter((request) => request.startsWith("GET /events")).at(-1)).toBe(`GET /events?since=${formatEngineTime(moment)}`)
    expect(events.status().reconnects).toBe(1)
  })

  it("keeps an unreachable engine out of the caller's way: no throw, a status that says why, one warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dockstat-nothing-"))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const { entries, logger } = logs()
    const { source: events } = source({ host: `unix://${dir}/docker.sock`, logger })
    expect(() => events.start()).not.toThrow()
    await waitFor(() => entries.filter((entry) => entry.level === "debug").length >= 3, "several attempts")
    expect(events.status()).toMatchObject({ connected: false, delivered: 0, host: `unix://${dir}/docker.sock` })
    expect(events.status().lastError).toMatch(/ENOENT/)
    expect(entries.filter((entry) => entry.level === "warn")).toEqual([{ level: "warn", message: "Docker engine unreachable; reconnecting with backoff" }])
    await events.stop()
    const attempts = entries.length
    expect(events.status().connected).toBe(false)
    expect(entries.length).toBe(attempts)
  })

  it("waits for each delivery before the next one, and goes on after a delivery fails", async () => {
    const recorded = await engine()
    const order: string[] = []
    let running = 0
    let peak = 0
    const { source: events } = source({
      host: recorded.host,
      deliver: async ({ event }) => {
        running += 1
        peak = Math.max(peak, running)
        await new Promise((resolve) => setTimeout(resolve, 5))
        running -= 1
        order.push(event.Actor.ID)
        if (event.Actor.ID === "c3") throw new Error("plugin host said no")
      },
    })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    const ids = Array.from({ length: 12 }, (_, index) => `c${index}`)
    recorded.emit(ids.map((id) => line(id)))
    await waitFor(() => order.length === ids.length, "all deliveries")
    expect(order).toEqual(ids)
    expect(peak).toBe(1)
    expect(events.status()).toMatchObject({ delivered: 11, failed: 1 })
  })

  it("counts an event whose dispatch report has a failed hook in failed, with lastError naming the plugin", async () => {
    const recorded = await engine()
    const { entries, logger } = logs()
    let calls = 0
    const { source: events } = source({
      host: recorded.host,
      logger,
      deliver: ({ hook }) => {
        calls += 1
        const failed = calls === 2
        return { event: hook, results: [failed ? { pluginId: 4, plugin: "fragile", status: "error", message: "cannot cope", ms: 1 } : { pluginId: 4, plugin: "fragile", status: "ok", ms: 1 }] }
      },
    })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit(["c1", "c2", "c3"].map((id) => line(id)))
    await waitFor(() => calls === 3, "all deliveries")
    expect(events.status()).toMatchObject({ delivered: 2, failed: 1, lastError: 'onContainerStart of plugin "fragile" (id 4) failed: cannot cope' })
    // The dispatcher's caller logs each failing hook; the source does not log it a second time.
    expect(entries.filter((entry) => entry.level === "error" || entry.level === "warn")).toEqual([])
  })

  it("names an upstream hook that failed when deliver returns one report per naming style", async () => {
    const recorded = await engine()
    const ok = (event: string) => ({ event, results: [{ pluginId: 1, plugin: "seedy", status: "ok", ms: 1 }] })
    const { source: events } = source({
      host: recorded.host,
      deliver: ({ hook, upstream }) => [ok(hook), ...upstream.map(({ hook: name }) => ({ event: name, results: [{ pluginId: 2, plugin: "upstreamy", status: "timeout", message: "too slow", ms: 9 }] }))],
    })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit([line("u1")])
    await waitFor(() => events.status().failed === 1, "the failed delivery")
    expect(events.status()).toMatchObject({ delivered: 0, lastError: 'container:started of plugin "upstreamy" (id 2) timed out: too slow' })
  })

  it("tags payloads with the host, carries the upstream contexts, and reports health once per change", async () => {
    const recorded = await engine()
    const health: unknown[] = []
    const { source: events, deliveries } = source({ host: recorded.host, hostId: 9, hostName: "lab", onHealth: (change) => void health.push(change) })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    expect(health).toEqual([{ healthy: true }])
    recorded.emit([line("h1")])
    await waitFor(() => deliveries.length === 1, "the event")
    expect(deliveries[0]?.payload).toMatchObject({ hostId: 9, hostName: "lab", container: { id: "h1" } })
    expect(deliveries[0]?.upstream).toEqual([{ hook: "container:started", context: { hostId: 9, containerId: "h1", containerInfo: expect.objectContaining({ id: "h1", hostId: 9, state: "running" }) } }])
    expect(events.status()).toMatchObject({ hostId: 9, hostName: "lab" })

    await recorded.goAway()
    await waitFor(() => health.length === 2, "the outage")
    expect(health[1]).toEqual({ healthy: false, error: expect.stringContaining(`Docker engine at ${recorded.host}`) })
    // Failed reconnects are one outage: reported once.
    await waitFor(() => recorded.requests.length > 0 && events.status().lastError !== null, "a failed attempt")
    await recorded.comeBack()
    await waitFor(() => health.length === 3, "the engine to be back")
    expect(health[2]).toEqual({ healthy: true })
  })

  it("keeps reading while a delivery is slow, and still delivers in order", async () => {
    const recorded = await engine()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const seen: string[] = []
    const { source: events } = source({
      host: recorded.host,
      maxQueue: 1000,
      deliver: async ({ event }) => {
        await gate
        seen.push(event.Actor.ID)
      },
    })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    const ids = Array.from({ length: 50 }, (_, index) => `q${index}`)
    recorded.emit(ids.map((id) => line(id)))
    // The first event is held by deliver; the other 49 were read from the engine meanwhile.
    await waitFor(() => events.status().queued === 49, "the read-ahead")
    release()
    await waitFor(() => seen.length === 50, "all deliveries")
    expect(seen).toEqual(ids)
    expect(events.status().queued).toBe(0)
  })

  it("on stop, finishes the delivery in progress; what was still queued comes on the next start, once", async () => {
    const recorded = await engine()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const seen: string[] = []
    const { source: events } = source({
      host: recorded.host,
      deliver: async ({ event }) => {
        await gate
        seen.push(event.Actor.ID)
      },
    })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit(["p0", "p1", "p2", "p3"].map((id) => line(id)))
    await waitFor(() => events.status().queued === 3, "the read-ahead")
    const stopped = events.stop()
    release()
    await stopped
    expect(seen).toEqual(["p0"])
    events.start()
    await waitFor(() => seen.length >= 4, "the queued events")
    expect(seen).toEqual(["p0", "p1", "p2", "p3"])
  })

  it("with a small queue, pauses reading instead of dropping anything", async () => {
    const recorded = await engine()
    const seen: string[] = []
    const { source: events } = source({
      host: recorded.host,
      maxQueue: 2,
      deliver: async ({ event }) => {
        await new Promise((resolve) => setTimeout(resolve, 1))
        seen.push(event.Actor.ID)
      },
    })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    const ids = Array.from({ length: 30 }, (_, index) => `s${index}`)
    recorded.emit(ids.map((id) => line(id)))
    await waitFor(() => seen.length === 30, "all deliveries")
    expect(seen).toEqual(ids)
    expect(events.status().queued).toBe(0)
  })

  it("falls back to the event's attributes when the container cannot be inspected any more", async () => {
    const recorded = await engine()
    const { source: events, deliveries } = source({ host: recorded.host })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit([line("vanished", "die").replace('"image":"busybox"', '"image":"busybox","exitCode":"3","team":"ops"')])
    await waitFor(() => deliveries.length === 1, "the die event")
    expect(deliveries[0]?.payload.container).toEqual({ id: "vanished", name: "vanished", image: "busybox", labels: { team: "ops" }, state: "exited", exitCode: 3, source: "event" })
  })

  it("skips a line that is not an event and reads on", async () => {
    const recorded = await engine()
    const { entries, logger } = logs()
    const { source: events, deliveries } = source({ host: recorded.host, logger })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit(['{"message":"not an event"}', line("after")])
    await waitFor(() => deliveries.length === 1, "the next event")
    expect(deliveries[0]?.event.Actor.ID).toBe("after")
    expect(entries.some((entry) => entry.level === "warn" && /undecodable/.test(entry.message))).toBe(true)
    expect(events.status().reconnects).toBe(0)
  })

  it("drops a line over 1 MiB with one warning and delivers the events around it", async () => {
    const recorded = await engine()
    const { entries, logger } = logs()
    const { source: events, deliveries } = source({ host: recorded.host, logger })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit([line("before")])
    // A well-formed event made 3 MiB long by one attribute, written 4 KiB at a time.
    const huge = Buffer.from(`${line("huge").replace('"image":"busybox"', `"image":"busybox","padding":"${"x".repeat(3 * 1024 * 1024)}"`)}\n`)
    const chunks = Array.from({ length: Math.ceil(huge.length / 4096) }, (_, index) => huge.subarray(index * 4096, (index + 1) * 4096))
    recorded.emitRaw(chunks)
    recorded.emit([line("after")])
    await waitFor(() => deliveries.some((delivery) => delivery.event.Actor.ID === "after"), "the event after the long line")
    expect(deliveries.map((delivery) => delivery.event.Actor.ID)).toEqual(["before", "after"])
    expect(entries.filter((entry) => entry.level === "warn")).toEqual([
      { level: "warn", message: "Skipping a Docker event line longer than 1048576 bytes; reading on from its end" },
    ])
    expect(events.status()).toMatchObject({ connected: true, reconnects: 0, delivered: 2 })
  })

  it("starts again where it stopped: what happened meanwhile comes, nothing twice", async () => {
    const recorded = await engine()
    const { source: events, deliveries } = source({ host: recorded.host })
    events.start()
    await waitFor(() => events.status().connected, "the connection")
    recorded.emit([line("one"), line("two")])
    await waitFor(() => deliveries.length === 2, "the first events")
    await events.stop()
    recorded.emit([line("three")])
    events.start()
    recorded.emit([line("four")])
    await waitFor(() => deliveries.length >= 4, "the events after the restart")
    expect(deliveries.map((delivery) => delivery.event.Actor.ID)).toEqual(["one", "two", "three", "four"])
  })

  it("with since, delivers what the engine still holds from that time on", async () => {
    const recorded = await engine()
    const start = recorded.now()
    recorded.emit([line("early"), line("later")])
    const { source: events, deliveries } = source({ host: recorded.host, since: formatEngineTime(start) })
    events.start()
    await waitFor(() => deliveries.length === 2, "the held events")
    expect(deliveries.map((delivery) => delivery.event.Actor.ID)).toEqual(["early", "later"])
    expect(() => createDockerEventSource({ deliver: () => {}, since: "last tuesday" })).toThrow(/since/)
  })
})
