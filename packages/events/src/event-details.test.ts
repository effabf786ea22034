import { hookForDockerEvent } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"

import { decodeEngineEvent } from "./engine-event.ts"
import { containerFromEvent, containerFromInspect, eventPayload } from "./event-details.ts"
import { CONTRACT_LABELS } from "./test-support/engine-harness.ts"
import { fixtureJson, fixtureLines } from "./test-support/recorded-harness.ts"

import type { ContainerInspect } from "./event-details.ts"

const events = (file: string) => fixtureLines(file).map((line) => decodeEngineEvent(line).event)

describe("mapping recorded engine events to hooks", () => {
  it("maps every container and network action of a recorded lifecycle", () => {
    expect(events("container-lifecycle.jsonl").map((event) => hookForDockerEvent(event.Type, event.Action))).toEqual([
      "onContainerCreate",
      "onNetworkConnect",
      "onContainerStart",
      "onContainerPause",
      "onContainerUnpause",
      "onContainerRename",
      "onContainerUpdate",
      "onContainerKill",
      "onContainerDie",
      "onNetworkDisconnect",
      "onContainerStop",
      "onNetworkConnect",
      "onContainerStart",
      "onContainerKill",
      "onContainerDie",
      "onNetworkDisconnect",
      "onContainerStop",
      "onNetworkConnect",
      "onContainerStart",
      "onContainerRestart",
      "onContainerKill",
      "onContainerDie",
      "onNetworkDisconnect",
      "onContainerDestroy",
    ])
  })

  it("maps image, volume and network events; an import has no hook", () => {
    expect(events("images.jsonl").map((event) => [event.Action, hookForDockerEvent(event.Type, event.Action)])).toEqual([
      ["tag", "onImageTag"],
      ["import", undefined],
      ["tag", "onImageTag"],
      ["untag", "onImageUntag"],
      ["untag", "onImageUntag"],
      ["delete", "onImageRemove"],
    ])
    expect(events("volumes-networks.jsonl").map((event) => hookForDockerEvent(event.Type, event.Action))).toEqual([
      "onVolumeCreate",
      "onVolumeDestroy",
      "onNetworkCreate",
      "onNetworkDestroy",
    ])
  })
})

describe("hook payloads", () => {
  const lifecycle = events("container-lifecycle.jsonl")
  const inspect = fixtureJson<ContainerInspect>("container-inspect.json")

  it("builds container details from a recorded inspect, without the engine's leading slash", () => {
    expect(containerFromInspect(inspect)).toEqual({
      id: inspect.Id,
      name: "dockstat-fixture",
      image: "dockstat-test:latest",
      labels: CONTRACT_LABELS,
      state: "running",
      source: "inspect",
    })
  })

  it("builds them from the event when the container is gone, labels without the engine's own attributes", () => {
    const die = lifecycle.find((event) => event.Action === "die")
    const destroy = lifecycle.find((event) => event.Action === "destroy")
    expect(die && containerFromEvent(die)).toEqual({
      id: inspect.Id,
      name: "dockstat-fixture-renamed",
      image: "dockstat-test:latest",
      labels: CONTRACT_LABELS,
      state: "exited",
      exitCode: 143,
      source: "event",
    })
    expect(destroy && containerFromEvent(destroy)).toMatchObject({ state: "removed", labels: CONTRACT_LABELS })
  })

  it("keeps the raw event and adds what each hook needs", () => {
    const rename = lifecycle.find((event) => event.Action === "rename")
    const kill = lifecycle.find((event) => event.Action === "kill")
    const connect = lifecycle.find((event) => event.Type === "network")
    if (!rename || !kill || !connect) throw new Error("fixture lacks rename, kill or network events")
    expect(eventPayload(rename, inspect)).toMatchObject({ event: rename, oldName: "dockstat-fixture", container: { id: inspect.Id, source: "inspect" } })
    expect(eventPayload(kill)).toMatchObject({ signal: "15", container: { name: "dockstat-fixture-renamed" } })
    expect(eventPayload(connect)).toMatchObject({ network: { id: connect.Actor.ID, name: "none", type: "null" }, container: { id: inspect.Id } })

    const [tag, , , untag] = events("images.jsonl")
    expect(tag && eventPayload(tag)).toEqual({ event: tag, image: { id: tag?.Actor.ID, name: "dockstat-fixture:v1" } })
    expect(untag && eventPayload(untag)).toMatchObject({ image: { id: untag?.Actor.ID } })

    const [volume, , network] = events("volumes-networks.jsonl")
    expect(volume && eventPayload(volume)).toMatchObject({ volume: { name: "dockstat-fixture-volume", driver: "local" } })
    expect(network && eventPayload(network)).toMatchObject({ network: { id: network?.Actor.ID, name: "dockstat-fixture-network", type: "bridge" } })
  })

  it("passes the health status of a health_status event", () => {
    const event = { Type: "container", Action: "health_status: unhealthy", Actor: { ID: "abc", Attributes: { name: "web" } }, time: 1, timeNano: 1 }
    expect(eventPayload(event)).toMatchObject({ health: "unhealthy", container: { id: "abc", name: "web" } })
  })
})
