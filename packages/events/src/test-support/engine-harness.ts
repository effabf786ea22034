import type { DecodedEngineEvent } from "../engine-event.ts"

/** What the contract does to a container, one Engine API call each. */
export type ContainerStep = "start" | "pause" | "unpause" | "rename" | "update" | "stop" | "restart" | "kill" | "remove"

/**
 * An engine the source contract runs against: the real dockerd, or the imitation replaying recorded
 * streams. Both expose the same operations so one suite checks both.
 */
export interface EngineHarness {
  /** DOCKER_HOST of the engine. */
  host: string
  /** The image test containers run. */
  image: string
  /** Creates a container (not started) and returns its id. */
  createContainer(options: { name: string; labels?: Record<string, string>; restartAlways?: boolean }): Promise<string>
  /** `rename` renames to `<name>-renamed`. */
  step(id: string, step: ContainerStep): Promise<void>
  /**
   * Kills the engine and starts it again; `whenBack` runs as soon as it answers, before the source had
   * a chance to reconnect. Resolves once the engine has settled (restart-always containers run again).
   */
  restartEngine(whenBack: () => Promise<void>): Promise<void>
  /** The engine's clock, nanoseconds. */
  now(): Promise<bigint>
  /** The engine's own record of its events in [since, until]. */
  history(since: bigint, until: bigint): Promise<DecodedEngineEvent[]>
}

/** Labels of contract containers, recorded into the fixtures too: a multi-byte one tests the decoder. */
export const CONTRACT_LABELS: Readonly<Record<string, string>> = { "com.dockstat.test": "contract", "com.dockstat.note": "grüße 🐳" }

/** The steps of the recorded container lifecycle, in order, with the container hooks each one fires. */
export const LIFECYCLE: readonly (readonly [ContainerStep | "create", readonly string[], string])[] = [
  ["create", ["onContainerCreate"], "created"],
  ["start", ["onContainerStart"], "running"],
  ["pause", ["onContainerPause"], "paused"],
  ["unpause", ["onContainerUnpause"], "running"],
  ["rename", ["onContainerRename"], "running"],
  ["update", ["onContainerUpdate"], "running"],
  ["stop", ["onContainerKill", "onContainerDie", "onContainerStop"], "exited"],
  ["start", ["onContainerStart"], "running"],
  ["restart", ["onContainerKill", "onContainerDie", "onContainerStop", "onContainerStart", "onContainerRestart"], "running"],
  ["kill", ["onContainerKill", "onContainerDie"], "exited"],
  ["remove", ["onContainerDestroy"], "removed"],
]

/** The engine action that ends each step (the last container event it causes). */
export const STEP_END_ACTION: Readonly<Record<ContainerStep | "create", string>> = {
  create: "create",
  start: "start",
  pause: "pause",
  unpause: "unpause",
  rename: "rename",
  update: "update",
  stop: "stop",
  restart: "restart",
  kill: "die",
  remove: "destroy",
}
