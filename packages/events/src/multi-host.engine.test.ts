/**
 * Several Docker hosts against two real, private dockerds at once: each host's events carry its own
 * id, each host reports its health as its engine comes and goes, and metrics are polled from an engine
 * only while someone listens (counted at a proxy in front of it).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest"

import { createDockerHosts } from "./docker-hosts.ts"
import { containerSpec, startDockerd } from "./test-support/dockerd.ts"
import { createEngineProxy } from "./test-support/engine-proxy.ts"
import { waitFor } from "./test-support/wait-for.ts"

import type { HookName } from "@dockstat/plugin-schema"
import type { DockerHosts } from "./docker-hosts.ts"
import type { Dockerd } from "./test-support/dockerd.ts"
import type { EngineProxy } from "./test-support/engine-proxy.ts"

const probes = await Promise.all([startDockerd(), startDockerd()])
const skip = probes.find((probe) => !probe.ok)
if (skip !== undefined && !skip.ok) console.warn(`Skipping the two-engine tests: ${skip.reason}`)
const [alpha, beta] = probes.map((probe) => (probe.ok ? probe.dockerd : undefined)) as [Dockerd, Dockerd]

interface Emitted {
  hook: HookName
  payload: Record<string, unknown>
}

describe.skipIf(skip !== undefined)("two real dockerds as two hosts", () => {
  const running: DockerHosts[] = []
  const proxies: EngineProxy[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((hosts) => hosts.stop()))
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  })
  afterAll(async () => {
    await Promise.all([alpha?.close(), beta?.close()])
  })

  function start(options: { hosts: { id: number | string; name: string; host: string }[]; listening?: (hook: HookName) => boolean; metricsIntervalMs?: number }) {
    const emitted: Emitted[] = []
    const hosts = createDockerHosts({
      ...options,
      emit: (hook, payload) => void emitted.push({ hook, payload }),
      backoff: { initialMs: 50, maxMs: 500 },
    })
    running.push(hosts)
    hosts.start()
    return { hosts, emitted }
  }

  async function runContainer(dockerd: Dockerd, name: string): Promise<string> {
    const { Id } = await dockerd.api.json<{ Id: string }>("POST", `/containers/create?name=${name}`, containerSpec({ labels: { "com.dockstat.test": name } }))
    await dockerd.api.json("POST", `/containers/${Id}/start`)
    return Id
  }

  const about = (emitted: readonly Emitted[], hook: HookName, containerId: string) =>
    emitted.filter((entry) => entry.hook === hook && ((entry.payload.container as { id?: string } | undefined)?.id === containerId || entry.payload.containerId === containerId))

  it("tags every event with the id of the host it came from, in both naming styles", async () => {
    const { hosts, emitted } = start({ hosts: [{ id: 1, name: "alpha", host: alpha.host }, { id: "beta", name: "beta", host: beta.host }] })
    await waitFor(() => hosts.status().connected, "both hosts to connect")
    const onAlpha = await runContainer(alpha, "on-alpha")
    const onBeta = await runContainer(beta, "on-beta")
    await waitFor(() => about(emitted, "container:started", onAlpha).length > 0 && about(emitted, "container:started", onBeta).length > 0, "both starts")

    for (const [id, hostId, hostName, name] of [[onAlpha, 1, "alpha", "on-alpha"], [onBeta, "beta", "beta", "on-beta"]] as const) {
      const seed = about(emitted, "onContainerStart", id)
      expect(seed, `onContainerStart of ${name}`).toHaveLength(1)
      expect(seed[0]?.payload).toMatchObject({ hostId, hostName, container: { id, name, state: "running" } })
      const upstream = about(emitted, "container:started", id)
      expect(upstream, `container:started of ${name}`).toHaveLength(1)
      expect(upstream[0]?.payload).toEqual({
        hostId,
        containerId: id,
        containerInfo: {
          id,
          hostId,
          name,
          image: alpha.image,
          status: "running",
          state: "running",
          created: expect.any(Number),
          ports: [],
          labels: { "com.dockstat.test": name },
          networkSettings: { networks: expect.any(Object) },
        },
      })
    }
    // Nothing of one engine was reported as the other's.
    const hostOf = (entry: Emitted) => entry.payload.hostId
    expect(emitted.filter((entry) => JSON.stringify(entry.payload).includes(onAlpha)).map(hostOf).filter((hostId) => hostId !== 1)).toEqual([])
    expect(emitted.filter((entry) => JSON.stringify(entry.payload).includes(onBeta)).map(hostOf).filter((hostId) => hostId !== "beta")).toEqual([])

    await alpha.api.json("POST", `/containers/${onAlpha}/stop?t=10`)
    // Removed only once the stop is through: an inspect racing the removal would see "removing".
    await waitFor(() => about(emitted, "container:stopped", onAlpha).length > 0, "the stop")
    await alpha.api.raw("DELETE", `/containers/${onAlpha}`)
    await waitFor(() => about(emitted, "container:removed", onAlpha).length > 0, "the removal")
    for (const hook of ["container:died", "container:stopped"] as const) {
      expect(about(emitted, hook, onAlpha).map((entry) => entry.payload), hook).toEqual([
        { hostId: 1, containerId: onAlpha, containerInfo: expect.objectContaining({ id: onAlpha, hostId: 1, state: "exited", status: "exited" }) },
      ])
    }
    expect(about(emitted, "container:destroyed", onAlpha).map((entry) => entry.payload)).toEqual([{ hostId: 1, containerId: onAlpha }])
    expect(about(emitted, "container:removed", onAlpha).map((entry) => entry.payload)).toEqual([{ hostId: 1, containerId: onAlpha }])

    const status = hosts.status()
    expect(status.hosts.map((host) => [host.hostId, host.hostName, host.host, host.connected])).toEqual([
      [1, "alpha", alpha.host, true],
      ["beta", "beta", beta.host, true],
    ])
    expect(status.delivered).toBe(status.hosts[0]!.delivered + status.hosts[1]!.delivered)
    expect(status.host).toBe(`${alpha.host}, ${beta.host}`)
    await beta.api.raw("DELETE", `/containers/${onBeta}?force=1`)
  })

  it("reports host:health:changed when a host connects, when its engine dies and when it is back", async () => {
    const { hosts, emitted } = start({ hosts: [{ id: 1, name: "alpha", host: alpha.host }, { id: 2, name: "beta", host: beta.host }] })
    const health = () => emitted.filter((entry) => entry.hook === "host:health:changed").map((entry) => entry.payload)
    await waitFor(() => health().length === 2, "both hosts to report healthy")
    expect(health()).toEqual(expect.arrayContaining([{ hostId: 1, hostName: "alpha", healthy: true }, { hostId: 2, hostName: "beta", healthy: true }]))

    await beta.kill()
    await waitFor(() => health().length === 3, "beta to report unhealthy")
    expect(health()[2]).toEqual({ hostId: 2, hostName: "beta", healthy: false, error: expect.stringContaining(beta.host) })
    expect(hosts.status().hosts.map((host) => host.connected)).toEqual([true, false])
    expect(hosts.status().connected).toBe(false)
    expect(hosts.status().lastError).toMatch(/^\[beta\] /)

    await beta.start()
    await waitFor(() => health().length === 4, "beta to report healthy again")
    expect(health()[3]).toEqual({ hostId: 2, hostName: "beta", healthy: true })
    // One change, one report: alpha, never down, said nothing more.
    expect(health().filter((payload) => payload.hostId === 1)).toHaveLength(1)
    await waitFor(() => hosts.status().connected, "both hosts to be connected")
  })

  it("polls metrics only for the hooks someone listens to, and stops when nobody does", async () => {
    const proxy = await createEngineProxy(alpha.host)
    proxies.push(proxy)
    const running = await runContainer(alpha, "metered")
    const listeners = new Set<HookName>()
    let asked = 0
    const { hosts, emitted } = start({
      hosts: [{ id: 3, name: "metered", host: proxy.host }],
      metricsIntervalMs: 100,
      listening: (hook) => {
        asked += 1
        return listeners.has(hook)
      },
    })
    await waitFor(() => hosts.status().connected, "the host to connect")
    const metricsRequests = () => proxy.requests.filter((line) => line.startsWith("GET /info") || line.startsWith("GET /containers/json") || line.includes("/stats"))
    const ticks = async (count: number) => {
      const until = asked + 2 * count
      await waitFor(() => asked >= until, `${count} metrics ticks`)
    }

    // Nobody listens: ticks pass, the engine is asked nothing (the one /info is the stream's own clock).
    const before = metricsRequests().length
    await ticks(5)
    expect(metricsRequests().length).toBe(before)
    expect(emitted.filter((entry) => entry.hook === "host:metrics" || entry.hook === "container:metrics")).toEqual([])
    expect(hosts.status().hosts[0]?.metrics).toMatchObject({ polls: 0, lastPollAt: null })
    expect(hosts.status().hosts[0]?.metrics.ticks).toBeGreaterThanOrEqual(5)

    listeners.add("host:metrics")
    await waitFor(() => emitted.filter((entry) => entry.hook === "host:metrics").length >= 2, "two host:metrics")
    expect(proxy.requests.filter((line) => line.includes("/stats") || line.startsWith("GET /containers/json")), "container metrics unasked").toEqual([])
    const hostMetrics = emitted.find((entry) => entry.hook === "host:metrics")?.payload
    expect(hostMetrics).toMatchObject({
      hostId: 3,
      hostName: "metered",
      docker_client_id: 3,
      metrics: { hostId: 3, hostName: "metered", dockerVersion: expect.stringMatching(/\d/), apiVersion: expect.stringMatching(/^\d+\.\d+$/), containersRunning: expect.any(Number) },
    })
    expect((hostMetrics?.metrics as { containersRunning: number }).containersRunning).toBeGreaterThanOrEqual(1)

    listeners.add("container:metrics")
    await waitFor(() => emitted.some((entry) => entry.hook === "container:metrics" && entry.payload.containerId === running), "container:metrics of the running container")
    const containerMetrics = emitted.find((entry) => entry.hook === "container:metrics" && entry.payload.containerId === running)?.payload
    expect(containerMetrics).toMatchObject({ hostId: 3, containerId: running, docker_client_id: 3, stats: { id: running, hostId: 3, name: "metered", state: "running" } })
    const stats = containerMetrics?.stats as Record<string, unknown>
    for (const figure of ["cpuUsage", "memoryUsage", "memoryLimit", "networkRx", "networkTx", "blockRead", "blockWrite"]) expect(stats[figure], figure).toEqual(expect.any(Number))
    expect(stats.memoryUsage as number).toBeGreaterThan(0)
    expect((stats.stats as { read?: string }).read).toMatch(/^\d{4}-/)
    expect(proxy.requests).toContain(`GET /containers/${running}/stats?stream=false`)
    expect(hosts.status().hosts[0]?.metrics.lastPollAt).toMatch(/^\d{4}-/)

    // Nobody listens again: after the poll in progress, no more requests.
    listeners.clear()
    await ticks(2)
    const settled = metricsRequests().length
    await ticks(5)
    expect(metricsRequests().length).toBe(settled)
    await alpha.api.raw("DELETE", `/containers/${running}?force=1`)
  })

  it("adds, renames and removes a host at run time", async () => {
    const { hosts, emitted } = start({ hosts: [{ id: 1, name: "alpha", host: alpha.host }] })
    await waitFor(() => hosts.status().connected, "alpha to connect")
    expect(() => hosts.add({ id: 1, name: "again", host: beta.host })).toThrow(/id 1 is already used/)
    expect(() => hosts.add({ id: 2, name: "bad", host: "ssh://somewhere" })).toThrow(/docker host: 0\.host: Invalid DOCKER_HOST "ssh:\/\/somewhere"/)
    hosts.add({ id: 2, name: "beta", host: beta.host })
    await waitFor(() => hosts.status().hosts.length === 2 && hosts.status().connected, "beta to connect")

    await hosts.update({ id: 2, name: "beta-renamed", host: beta.host })
    const renamed = await runContainer(beta, "after-rename")
    await waitFor(() => about(emitted, "onContainerStart", renamed).length > 0, "the start on beta")
    expect(about(emitted, "onContainerStart", renamed)[0]?.payload).toMatchObject({ hostId: 2, hostName: "beta-renamed" })
    expect(hosts.status().hosts[1]).toMatchObject({ hostId: 2, hostName: "beta-renamed", reconnects: 0 })

    expect(await hosts.remove(2)).toBe(true)
    expect(await hosts.remove(2)).toBe(false)
    expect(hosts.status().hosts.map((host) => host.hostId)).toEqual([1])
    const seen = emitted.length
    await beta.api.json("POST", `/containers/${renamed}/stop?t=1`)
    const onAlpha = await runContainer(alpha, "still-watched")
    await waitFor(() => about(emitted, "onContainerStart", onAlpha).length > 0, "alpha still delivering")
    expect(emitted.slice(seen).filter((entry) => entry.payload.hostId === 2)).toEqual([])
    await Promise.all([alpha.api.raw("DELETE", `/containers/${onAlpha}?force=1`), beta.api.raw("DELETE", `/containers/${renamed}?force=1`)])
  })
})
