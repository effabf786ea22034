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

type DockerHookMap = typeof DOCKER_EVENT_HOOKS
export type DockerEventType = keyof DockerHookMap
export type DockerHookName = { [T in DockerEventType]: DockerHookMap[T][keyof DockerHookMap[T]] }[DockerEventType]
export type LifecycleHookName = (typeof LIFECYCLE_HOOKS)[number]
export type HookName = DockerHookName | LifecycleHookName

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
}

export const HOOK_NAMES: readonly HookName[] = Object.keys(HOOK_NAME_SET) as HookName[]

export function isHookName(name: string): name is HookName {
  return Object.hasOwn(HOOK_NAME_SET, name)
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
