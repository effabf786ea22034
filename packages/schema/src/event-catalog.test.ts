import { describe, expect, expectTypeOf, it } from "vitest"

import { DOCKER_EVENT_HOOKS, HOOK_NAMES, LIFECYCLE_HOOKS, hookForDockerEvent, isHookName } from "./event-catalog.ts"
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

  it("lists every Docker and lifecycle hook exactly once", () => {
    const docker = Object.values(DOCKER_EVENT_HOOKS).flatMap((actions) => Object.values(actions))
    expect(new Set(HOOK_NAMES)).toEqual(new Set([...docker, ...LIFECYCLE_HOOKS]))
    expect(HOOK_NAMES.length).toBe(new Set(HOOK_NAMES).size)
    expect(isHookName("onContainerStart")).toBe(true)
    expect(isHookName("onContainerExplode")).toBe(false)
    expectTypeOf<"onBoot">().toExtend<HookName>()
  })
})
