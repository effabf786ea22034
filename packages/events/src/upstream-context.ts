import { upstreamHooksForDockerEvent } from "@dockstat/plugin-schema"

import type { DockerHostId, UpstreamContainerInfo, UpstreamHookName } from "@dockstat/plugin-schema"

import { containerFromEvent, containerFromInspect } from "./event-details.ts"

import type { DockerEngineEvent } from "./engine-event.ts"
import type { ContainerInspect } from "./event-details.ts"

/** An upstream-named hook an Engine event fires, with the context upstream gives it. */
export interface UpstreamDelivery {
  hook: UpstreamHookName
  context: Record<string, unknown>
}

/** The part of a `GET /containers/json` entry upstream's container info is built from. */
export interface ContainerListEntry {
  Id: string
  Names?: string[]
  Image?: string
  State?: string
  Status?: string
  Created?: number
  Ports?: { PrivatePort?: number; PublicPort?: number; Type?: string }[] | null
  Labels?: Record<string, string> | null
  NetworkSettings?: { Networks?: Record<string, unknown> | null } | null
}

/**
 * Upstream's container info from an inspect, or (the container is gone) from the event's attributes,
 * which have no ports, networks or creation time.
 *
 * @example
 * upstreamContainerInfo(startEvent, inspect, 1) // { id, hostId: 1, name: "web", image, status: "running", state: "running", created, ports: [], labels }
 */
export function upstreamContainerInfo(event: DockerEngineEvent, inspect: ContainerInspect | undefined, hostId: DockerHostId): UpstreamContainerInfo {
  if (inspect === undefined) {
    const details = containerFromEvent(event)
    return { id: details.id, hostId, name: details.name, image: details.image, status: details.state, state: details.state, ports: [], labels: details.labels }
  }
  const details = containerFromInspect(inspect)
  const info: UpstreamContainerInfo = {
    id: details.id,
    hostId,
    name: details.name,
    image: details.image,
    status: details.state,
    state: details.state,
    ports: portsFromInspect(inspect.NetworkSettings?.Ports),
    labels: details.labels,
    networkSettings: { networks: { ...inspect.NetworkSettings?.Networks } },
  }
  const created = inspect.Created === undefined ? Number.NaN : Date.parse(inspect.Created)
  if (Number.isFinite(created)) info.created = Math.floor(created / 1000)
  return info
}

/** Upstream's container info from a `GET /containers/json` entry (what the metrics poll lists). */
export function containerInfoFromList(entry: ContainerListEntry, hostId: DockerHostId): UpstreamContainerInfo {
  const info: UpstreamContainerInfo = {
    id: entry.Id,
    hostId,
    name: (entry.Names?.[0] ?? "").replace(/^\//, ""),
    image: entry.Image ?? "",
    status: entry.Status ?? "",
    state: entry.State ?? "unknown",
    ports: (entry.Ports ?? []).map((port) => ({
      privatePort: port.PrivatePort ?? 0,
      ...(port.PublicPort === undefined ? {} : { publicPort: port.PublicPort }),
      type: port.Type ?? "tcp",
    })),
    labels: { ...entry.Labels },
  }
  if (typeof entry.Created === "number") info.created = entry.Created
  if (entry.NetworkSettings) info.networkSettings = { networks: { ...entry.NetworkSettings.Networks } }
  return info
}

/**
 * The upstream hooks an Engine event fires and their contexts: `{ hostId, containerId, containerInfo }`,
 * or `{ hostId, containerId }` once the container is gone (destroyed / removed).
 */
export function upstreamDeliveries(event: DockerEngineEvent, inspect: ContainerInspect | undefined, hostId: DockerHostId): UpstreamDelivery[] {
  const hooks = upstreamHooksForDockerEvent(event.Type, event.Action)
  if (hooks.length === 0) return []
  const containerId = event.Actor.ID
  let containerInfo: UpstreamContainerInfo | undefined
  return hooks.map((hook) => {
    if (hook === "container:destroyed" || hook === "container:removed") return { hook, context: { hostId, containerId } }
    containerInfo ??= upstreamContainerInfo(event, inspect, hostId)
    return { hook, context: { hostId, containerId, containerInfo } }
  })
}

function portsFromInspect(ports: NonNullable<ContainerInspect["NetworkSettings"]>["Ports"]): UpstreamContainerInfo["ports"] {
  const out: UpstreamContainerInfo["ports"] = []
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [port, type] = key.split("/")
    const hostPort = Number(bindings?.[0]?.HostPort)
    out.push({ privatePort: Number(port), ...(Number.isInteger(hostPort) && hostPort > 0 ? { publicPort: hostPort } : {}), type: type ?? "tcp" })
  }
  return out
}
