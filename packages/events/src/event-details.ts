import type { ContainerInfo, ImageInfo } from "@dockstat/plugin-schema"

import type { DockerEngineEvent } from "./engine-event.ts"

/** The container fields every container hook gets; `state` is Docker's (created, running, exited, ...). */
export interface ContainerDetails extends ContainerInfo {
  id: string
  name: string
  image: string
  labels: Record<string, string>
  state: string
  /** Where the details come from: a fresh inspect, or the event itself when the container is gone. */
  source: "inspect" | "event"
  exitCode?: number
}

/** The part of `GET /containers/{id}/json` the details are built from. */
export interface ContainerInspect {
  Id: string
  Name?: string
  /** RFC 3339. */
  Created?: string
  Config?: { Image?: string; Labels?: Record<string, string> | null }
  State?: { Status?: string; ExitCode?: number }
  NetworkSettings?: {
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null
    Networks?: Record<string, unknown> | null
  }
}

// Attributes the engine adds to a container event besides the container's labels.
const NON_LABEL_ATTRIBUTES = new Set(["name", "image", "exitCode", "signal", "oldName", "execID", "execDuration"])

// The state an action leaves a container in, for when it can no longer be inspected.
const STATE_AFTER_ACTION: Record<string, string> = {
  create: "created",
  start: "running",
  restart: "running",
  unpause: "running",
  pause: "paused",
  die: "exited",
  stop: "exited",
  oom: "exited",
  destroy: "removed",
}

/** Whether a container event is worth an inspect: after destroy the container is gone by definition. */
export function needsInspect(event: DockerEngineEvent): boolean {
  return event.Type === "container" && baseAction(event.Action) !== "destroy"
}

/**
 * Container details from an inspect answer. The name loses the engine's leading slash.
 *
 * @example
 * containerFromInspect({ Id: "ab12", Name: "/web", Config: { Image: "nginx", Labels: {} }, State: { Status: "running" } })
 * // { id: "ab12", name: "web", image: "nginx", labels: {}, state: "running", source: "inspect" }
 */
export function containerFromInspect(inspect: ContainerInspect): ContainerDetails {
  const details: ContainerDetails = {
    id: inspect.Id,
    name: (inspect.Name ?? "").replace(/^\//, ""),
    image: inspect.Config?.Image ?? "",
    labels: { ...inspect.Config?.Labels },
    state: inspect.State?.Status ?? "unknown",
    source: "inspect",
  }
  if (details.state === "exited" && typeof inspect.State?.ExitCode === "number") details.exitCode = inspect.State.ExitCode
  return details
}

/**
 * Container details from the event alone: the engine copies the name, image and labels into the event's
 * attributes, so a container that is already gone (destroy, or a die racing a remove) still has them.
 */
export function containerFromEvent(event: DockerEngineEvent): ContainerDetails {
  const attributes = event.Actor.Attributes ?? {}
  const labels: Record<string, string> = {}
  for (const [name, value] of Object.entries(attributes)) {
    if (!NON_LABEL_ATTRIBUTES.has(name)) labels[name] = value
  }
  const details: ContainerDetails = {
    id: event.Actor.ID,
    name: attributes.name ?? "",
    image: attributes.image ?? event.from ?? "",
    labels,
    state: STATE_AFTER_ACTION[baseAction(event.Action)] ?? "unknown",
    source: "event",
  }
  const exitCode = Number(attributes.exitCode)
  if (attributes.exitCode !== undefined && Number.isInteger(exitCode)) details.exitCode = exitCode
  return details
}

/**
 * The payload a hook gets for an engine event: the raw event as `event`, plus `container`, `image`,
 * `volume` or `network` details by the event's type.
 *
 * @example
 * eventPayload(dieEvent, inspect) // { event, container: { id, name, image, labels, state, exitCode, source } }
 */
export function eventPayload(event: DockerEngineEvent, inspect?: ContainerInspect): Record<string, unknown> {
  const attributes = event.Actor.Attributes ?? {}
  switch (event.Type) {
    case "container": {
      const container = inspect === undefined ? containerFromEvent(event) : containerFromInspect(inspect)
      // The attributes are the truth about this event; an inspect answers for a later moment.
      const fromEvent = containerFromEvent(event)
      if (fromEvent.exitCode !== undefined) container.exitCode = fromEvent.exitCode
      const payload: Record<string, unknown> = { event, container }
      const [action, detail] = splitAction(event.Action)
      if (action === "health_status" && detail !== undefined) payload.health = detail
      if (action === "rename" && attributes.oldName !== undefined) payload.oldName = attributes.oldName.replace(/^\//, "")
      if (attributes.signal !== undefined) payload.signal = attributes.signal
      return payload
    }
    case "image": {
      const image: ImageInfo = { id: event.Actor.ID }
      if (attributes.name !== undefined) image.name = attributes.name
      return { event, image }
    }
    case "volume":
      return { event, volume: { ...attributes, name: event.Actor.ID } }
    case "network": {
      const payload: Record<string, unknown> = { event, network: { ...attributes, id: event.Actor.ID } }
      if (attributes.container !== undefined) payload.container = { id: attributes.container }
      return payload
    }
    default:
      return { event }
  }
}

function baseAction(action: string): string {
  return splitAction(action)[0]
}

function splitAction(action: string): [string, string | undefined] {
  const colon = action.indexOf(":")
  return colon === -1 ? [action, undefined] : [action.slice(0, colon).trim(), action.slice(colon + 1).trim()]
}
