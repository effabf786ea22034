/**
 * The one catalog of hook names. Docker hooks are data: Engine event (Type, Action) -> hook name, so the
 * mapping is tested on its own and the event source needs no switch statement.
 */
export const DOCKER_EVENT_HOOKS = {
  container: {
    create: "onContainerCreate",
    start: "onContainerStart",
    stop: "onContainerStop",
    restart: "onContainerRestart",
    die: "onContainerDie",
    kill: "onContainerKill",
    destroy: "onContainerDestroy",
    pause: "onContainerPause",
    unpause: "onContainerUnpause",
    oom: "onContainerOom",
    health_status: "onContainerHealthStatus",
    rename: "onContainerRename",
    update: "onContainerUpdate",
  },
  image: {
    pull: "onImagePull",
    delete: "onImageRemove",
    tag: "onImageTag",
    untag: "onImageUntag",
    load: "onImageLoad",
    push: "onImagePush",
  },
  volume: {
    create: "onVolumeCreate",
    destroy: "onVolumeDestroy",
    mount: "onVolumeMount",
    unmount: "onVolumeUnmount",
  },
  network: {
    create: "onNetworkCreate",
    destroy: "onNetworkDestroy",
    remove: "onNetworkDestroy",
    connect: "onNetworkConnect",
    disconnect: "onNetworkDisconnect",
  },
} as const

/** Hooks of the handler's and the plugin's own life. */
export const LIFECYCLE_HOOKS = ["onBoot", "onLoad", "onUnload", "onInstall", "onUpdate", "onUninstall"] as const

/**
 * Upstream DockStat's event names (its docker client's), fired from the same Engine events as the
 * seed's hooks: an Engine container action -> the upstream names it fires, in this order. A destroy
 * fires both "container:destroyed" (upstream's event-stream name) and "container:removed" (upstream's
 * name for a container gone from the host's list), since here both come from the same event.
 */
// Frozen, here and below: the SDK hands these very objects to inline plugins.
export const UPSTREAM_CONTAINER_HOOKS = Object.freeze({
  create: Object.freeze(["container:created"] as const),
  start: Object.freeze(["container:started"] as const),
  stop: Object.freeze(["container:stopped"] as const),
  pause: Object.freeze(["container:paused"] as const),
  unpause: Object.freeze(["container:unpaused"] as const),
  die: Object.freeze(["container:died"] as const),
  destroy: Object.freeze(["container:destroyed", "container:removed"] as const),
})

/** Upstream names the host fires itself: polled metrics, and the state of each Docker host. */
export const UPSTREAM_HOST_HOOKS = Object.freeze(["container:metrics", "host:metrics", "host:health:changed", "host:added", "host:removed", "host:updated"] as const)

type DockerHookMap = typeof DOCKER_EVENT_HOOKS
export type DockerEventType = keyof DockerHookMap
export type DockerHookName = { [T in DockerEventType]: DockerHookMap[T][keyof DockerHookMap[T]] }[DockerEventType]
export type LifecycleHookName = (typeof LIFECYCLE_HOOKS)[number]
/** The seed's hook names: `onContainerStart({ container, logger, table })`. */
export type SeedHookName = DockerHookName | LifecycleHookName
/** Upstream's names: `"container:started"(ctx, { table, logger })`. */
export type UpstreamHookName =
  | (typeof UPSTREAM_CONTAINER_HOOKS)[keyof typeof UPSTREAM_CONTAINER_HOOKS][number]
  | (typeof UPSTREAM_HOST_HOOKS)[number]
export type HookName = SeedHookName | UpstreamHookName

// A Record over the union: adding a hook name to the types without listing it here fails to compile.
const HOOK_NAME_SET: Record<HookName, 1> = {
  onContainerCreate: 1,
  onContainerStart: 1,
  onContainerStop: 1,
  onContainerRestart: 1,
  onContainerDie: 1,
  onContainerKill: 1,
  onContainerDestroy: 1,
  onContainerPause: 1,
  onContainerUnpause: 1,
  onContainerOom: 1,
  onContainerHealthStatus: 1,
  onContainerRename: 1,
  onContainerUpdate: 1,
  onImagePull: 1,
  onImageRemove: 1,
  onImageTag: 1,
  onImageUntag: 1,
  onImageLoad: 1,
  onImagePush: 1,
  onVolumeCreate: 1,
  onVolumeDestroy: 1,
  onVolumeMount: 1,
  onVolumeUnmount: 1,
  onNetworkCreate: 1,
  onNetworkDestroy: 1,
  onNetworkConnect: 1,
  onNetworkDisconnect: 1,
  onBoot: 1,
  onLoad: 1,
  onUnload: 1,
  onInstall: 1,
  onUpdate: 1,
  onUninstall: 1,
  "container:created": 1,
  "container:started": 1,
  "container:stopped": 1,
  "container:paused": 1,
  "container:unpaused": 1,
  "container:died": 1,
  "container:destroyed": 1,
  "container:removed": 1,
  "container:metrics": 1,
  "host:metrics": 1,
  "host:health:changed": 1,
  "host:added": 1,
  "host:removed": 1,
  "host:updated": 1,
}

export const HOOK_NAMES: readonly HookName[] = Object.freeze(Object.keys(HOOK_NAME_SET) as HookName[])

export function isHookName(name: string): name is HookName {
  return Object.hasOwn(HOOK_NAME_SET, name)
}

/**
 * Upstream names hold a colon, seed names never do. Decides how a hook is called: upstream hooks get
 * `(ctx, { table, logger })`, seed hooks `({ ...payload, table, logger }, { table, logger })`.
 */
export function isUpstreamHookName(name: string): name is UpstreamHookName {
  return name.includes(":") && isHookName(name)
}

/**
 * The upstream hooks an Engine event fires (none for most). Chosen like `hookForDockerEvent`, by the
 * part of the action before a colon.
 *
 * @example
 * upstreamHooksForDockerEvent("container", "destroy") // ["container:destroyed", "container:removed"]
 */
export function upstreamHooksForDockerEvent(type: string, action: string): readonly UpstreamHookName[] {
  if (type !== "container") return []
  const base = action.split(":", 1)[0]?.trim() ?? action
  return Object.hasOwn(UPSTREAM_CONTAINER_HOOKS, base) ? UPSTREAM_CONTAINER_HOOKS[base as keyof typeof UPSTREAM_CONTAINER_HOOKS] : []
}

const SUBJECT_BY_TYPE: Record<string, "container" | "image" | "volume" | "network"> = {}
for (const [type, hooks] of Object.entries(DOCKER_EVENT_HOOKS)) {
  for (const hook of Object.values(hooks)) SUBJECT_BY_TYPE[hook] = type as "container" | "image" | "volume" | "network"
}

/**
 * Which payload field a seed Docker hook is about (`container` for onContainerStart, `image` for
 * onImagePull, ...); undefined for lifecycle and upstream hooks. Lets a seed-named hook written in the
 * upstream form, `onContainerStart: (container, { logger }) => container.id`, read the subject's fields
 * from its first argument.
 */
export function hookSubject(hook: string): "container" | "image" | "volume" | "network" | undefined {
  return Object.hasOwn(SUBJECT_BY_TYPE, hook) ? SUBJECT_BY_TYPE[hook] : undefined
}

/**
 * The hook for an Engine event, or undefined when no hook listens to it. Actions such as
 * `health_status: healthy` or `exec_start: sh` carry a detail after a colon; the hook is chosen by the part
 * before it.
 */
export function hookForDockerEvent(type: string, action: string): DockerHookName | undefined {
  if (!Object.hasOwn(DOCKER_EVENT_HOOKS, type)) return undefined
  const hooks = (DOCKER_EVENT_HOOKS as Record<string, Record<string, DockerHookName>>)[type] as Record<string, DockerHookName>
  const base = action.split(":", 1)[0]?.trim() ?? action
  return Object.hasOwn(hooks, base) ? hooks[base] : undefined
}
