import { describe, expect, it } from "vitest"

import { containerStats, hostMetrics } from "./container-stats.ts"
import { decodeEngineEvent } from "./engine-event.ts"
import { containerInfoFromList, upstreamContainerInfo, upstreamDeliveries } from "./upstream-context.ts"
import { CONTRACT_LABELS } from "./test-support/engine-harness.ts"
import { fixtureJson, fixtureLines } from "./test-support/recorded-harness.ts"

import type { ContainerInspect } from "./event-details.ts"

const events = fixtureLines("container-lifecycle.jsonl").map((line) => decodeEngineEvent(line).event)
const inspect = fixtureJson<ContainerInspect>("container-inspect.json")
const first = (action: string) => {
  const event = events.find((candidate) => candidate.Type === "container" && candidate.Action === action)
  if (event === undefined) throw new Error(`no ${action} event in the fixture`)
  return event
}

describe("upstream contexts of recorded engine events", () => {
  it("gives a start { hostId, containerId, containerInfo } with the container as upstream shapes it", () => {
    expect(upstreamDeliveries(first("start"), inspect, 4)).toEqual([
      {
        hook: "container:started",
        context: {
          hostId: 4,
          containerId: inspect.Id,
          containerInfo: {
            id: inspect.Id,
            hostId: 4,
            name: "dockstat-fixture",
            image: "dockstat-test:latest",
            status: "running",
            state: "running",
            created: Math.floor(Date.parse(inspect.Created as string) / 1000),
            ports: [],
            labels: { ...CONTRACT_LABELS },
            networkSettings: { networks: expect.objectContaining({ none: expect.any(Object) }) },
          },
        },
      },
    ])
  })

  it("gives a destroy both upstream names with { hostId, containerId } only", () => {
    const destroy = first("destroy")
    expect(upstreamDeliveries(destroy, undefined, "edge")).toEqual([
      { hook: "container:destroyed", context: { hostId: "edge", containerId: destroy.Actor.ID } },
      { hook: "container:removed", context: { hostId: "edge", containerId: destroy.Actor.ID } },
    ])
  })

  it("falls back to the event's attributes when the container is gone, and fires nothing for actions upstream has no name for", () => {
    const die = first("die")
    expect(upstreamContainerInfo(die, undefined, 1)).toEqual({ id: die.Actor.ID, hostId: 1, name: "dockstat-fixture-renamed", image: "dockstat-test:latest", status: "exited", state: "exited", ports: [], labels: { ...CONTRACT_LABELS } })
    expect(upstreamDeliveries(first("kill"), undefined, 1)).toEqual([])
    expect(upstreamDeliveries(first("rename"), undefined, 1)).toEqual([])
  })

  it("reads published ports from an inspect and from a container list entry", () => {
    const published = { ...inspect, NetworkSettings: { Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }], "53/udp": null }, Networks: {} } }
    expect(upstreamContainerInfo(first("start"), published, 1).ports).toEqual([{ privatePort: 80, publicPort: 8080, type: "tcp" }, { privatePort: 53, type: "udp" }])
    expect(
      containerInfoFromList({ Id: "ab", Names: ["/web"], Image: "nginx", State: "running", Status: "Up 3 minutes", Created: 1700000000, Ports: [{ PrivatePort: 80, PublicPort: 8080, Type: "tcp" }], Labels: null }, 2),
    ).toEqual({ id: "ab", hostId: 2, name: "web", image: "nginx", status: "Up 3 minutes", state: "running", created: 1700000000, ports: [{ privatePort: 80, publicPort: 8080, type: "tcp" }], labels: {} })
  })
})

describe("metrics figures", () => {
  const info = containerInfoFromList({ Id: "ab", Names: ["/web"], Image: "nginx", State: "running" }, 1)

  it("computes CPU, memory, network and block I/O as `docker stats` does", () => {
    const raw = {
      cpu_stats: { cpu_usage: { total_usage: 3_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
      memory_stats: { usage: 10_000, limit: 100_000, stats: { inactive_file: 2_000 } },
      networks: { eth0: { rx_bytes: 100, tx_bytes: 10 }, eth1: { rx_bytes: 5, tx_bytes: 1 } },
      blkio_stats: { io_service_bytes_recursive: [{ op: "Read", value: 7 }, { op: "write", value: 3 }, { op: "Total", value: 10 }] },
    }
    expect(containerStats(info, raw)).toEqual({ ...info, stats: raw, cpuUsage: 80, memoryUsage: 8_000, memoryLimit: 100_000, networkRx: 105, networkTx: 11, blockRead: 7, blockWrite: 3 })
  })

  it("gives zeros, not NaN, for an answer without samples (a container that just stopped)", () => {
    expect(containerStats(info, { read: "0001-01-01T00:00:00Z" })).toMatchObject({ cpuUsage: 0, memoryUsage: 0, memoryLimit: 0, networkRx: 0, networkTx: 0, blockRead: 0, blockWrite: 0 })
  })

  it("maps /info to upstream's host metrics", () => {
    const metrics = hostMetrics({ id: 1, name: "local" }, { ServerVersion: "26.1.5", OperatingSystem: "Debian", Architecture: "x86_64", MemTotal: 8e9, NCPU: 2, KernelVersion: "6.1", Containers: 3, ContainersRunning: 1, ContainersStopped: 2, ContainersPaused: 0, Images: 4, SystemTime: "2026-01-01T00:00:00Z" }, "1.45")
    expect(metrics).toEqual({ hostId: 1, hostName: "local", dockerVersion: "26.1.5", apiVersion: "1.45", os: "Debian", architecture: "x86_64", totalMemory: 8e9, totalCPU: 2, kernelVersion: "6.1", containers: 3, containersRunning: 1, containersStopped: 2, containersPaused: 0, images: 4, systemTime: "2026-01-01T00:00:00Z" })
  })
})
