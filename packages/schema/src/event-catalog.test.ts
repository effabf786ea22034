import { describe, expect, expectTypeOf, it } from "vitest"

import {
  DOCKER_EVENT_HOOKS,
  HOOK_NAMES,
  LIFECYCLE_HOOKS,
  UPSTREAM_CONTAINER_HOOKS,
  UPSTREAM_HOST_HOOKS,
  hookForDockerEvent,
  hookSubject,
  isHookName,
  isUpstreamHookName,
  upstreamHooksForDockerEvent,
} from "./event-catalog.ts"
import type { HookName } from "./event-catalog.ts"

describe("event catalog", () => {
  it("maps the Engine's container actions to hooks", () => {
    const expected = {
      start: "onContainerStart",
      stop: "onContainerStop",
      restart: "onContainerRestart",
      die: "onContainerDie",
      kill: "onContainerKill",
      create: "onContainerCreate",
      destroy: "onContainerDestroy",
      pause: "onContainerPause",
      unpause: "onContainerUnpause",
      oom: "onContainerOom",
      health_status: "onContainerHealthStatus",
      rename: "onContainerRename",
      update: "onContainerUpdate",
    }
    for (const [action, hook] of Object.entries(expected)) expect(hookForDockerEvent("container", action)).toBe(hook)
  })

  it("maps image, volume and network actions", () => {
    expect(hookForDockerEvent("image", "pull")).toBe("onImagePull")
    expect(hookForDockerEvent("image", "delete")).toBe("onImageRemove")
    for (const action of ["tag", "untag", "load", "push"]) expect(hookForDockerEvent("image", action)).toMatch(/^onImage/)
    for (const action of ["create", "destroy"]) expect(hookForDockerEvent("volume", action)).toMatch(/^onVolume/)
    for (const action of ["create", "destroy", "connect", "disconnect"]) expect(hookForDockerEvent("network", action)).toMatch(/^onNetwork/)
  })

  it("chooses the hook by the part of the action before a colon", () => {
    expect(hookForDockerEvent("container", "health_status: healthy")).toBe("onContainerHealthStatus")
    expect(hookForDockerEvent("container", "exec_start: sh -c true")).toBeUndefined()
  })

  it("has no hook for unknown types or actions, and does not read the prototype", () => {
    expect(hookForDockerEvent("plugin", "enable")).toBeUndefined()
    expect(hookForDockerEvent("container", "toString")).toBeUndefined()
    expect(hookForDockerEvent("constructor", "name")).toBeUndefined()
  })

  it("lists every Docker, lifecycle and upstream hook exactly once", () => {
    const docker = Object.values(DOCKER_EVENT_HOOKS).flatMap((actions) => Object.values(actions))
    const upstream = [...Object.values(UPSTREAM_CONTAINER_HOOKS).flat(), ...UPSTREAM_HOST_HOOKS]
    expect(new Set(HOOK_NAMES)).toEqual(new Set([...docker, ...LIFECYCLE_HOOKS, ...upstream]))
    expect(HOOK_NAMES.length).toBe(new Set(HOOK_NAMES).size)
    expect(isHookName("onContainerStart")).toBe(true)
    expect(isHookName("onContainerExplode")).toBe(false)
    expectTypeOf<"onBoot">().toExtend<HookName>()
  })

  it("maps container actions to upstream DockStat's names, destroy to both of its names", () => {
    expect(upstreamHooksForDockerEvent("container", "start")).toEqual(["container:started"])
    expect(upstreamHooksForDockerEvent("container", "stop")).toEqual(["container:stopped"])
    expect(upstreamHooksForDockerEvent("container", "pause")).toEqual(["container:paused"])
    expect(upstreamHooksForDockerEvent("container", "unpause")).toEqual(["container:unpaused"])
    expect(upstreamHooksForDockerEvent("container", "create")).toEqual(["container:created"])
    expect(upstreamHooksForDockerEvent("container", "die")).toEqual(["container:died"])
    expect(upstreamHooksForDockerEvent("container", "destroy")).toEqual(["container:destroyed", "container:removed"])
    expect(upstreamHooksForDockerEvent("container", "kill")).toEqual([])
    expect(upstreamHooksForDockerEvent("container", "toString")).toEqual([])
    expect(upstreamHooksForDockerEvent("image", "pull")).toEqual([])
  })

  it("tells upstream names from seed names, and knows what a seed Docker hook is about", () => {
    for (const name of ["container:started", "host:metrics", "host:health:changed"]) expect([name, isHookName(name), isUpstreamHookName(name)]).toEqual([name, true, true])
    for (const name of ["onContainerStart", "onBoot", "container:exploded"]) expect(isUpstreamHookName(name)).toBe(false)
    expect(hookSubject("onContainerStart")).toBe("container")
    expect(hookSubject("onImagePull")).toBe("image")
    expect(hookSubject("onNetworkConnect")).toBe("network")
    expect(hookSubject("onVolumeMount")).toBe("volume")
    expect(hookSubject("onBoot")).toBeUndefined()
    expect(hookSubject("container:started")).toBeUndefined()
    expect(hookSubject("constructor")).toBeUndefined()
  })
})
