/**
 * The contexts upstream DockStat's event names carry (its `@dockstat/typings` DockerClientEvents), as
 * the host builds them. Each upstream hook is called `(ctx, { table, logger })`.
 */
import type { UpstreamHookName } from "./event-catalog.ts"

/** A Docker host's id as configured (`docker.hosts[].id`); upstream uses numbers. */
export type DockerHostId = number | string

/** A container as upstream describes it (from an inspect; from the event when the container is gone). */
export interface UpstreamContainerInfo {
  id: string
  hostId: DockerHostId
  name: string
  image: string
  /** Docker's state (created, running, paused, exited, ...); upstream repeats it here. */
  status: string
  state: string
  /** Unix seconds; left out when the container could not be inspected. */
  created?: number
  ports: { privatePort: number; publicPort?: number; type: string }[]
  labels: Record<string, string>
  networkSettings?: { networks?: Record<string, unknown> }
}

/** `container:metrics` `stats`: the container, the Engine's raw stats and figures computed from them. */
export interface UpstreamContainerStats extends UpstreamContainerInfo {
  /** `GET /containers/{id}/stats?stream=false` as the Engine answered. */
  stats: Record<string, unknown>
  /** Percent of the host's CPUs (100 = one CPU fully used per online CPU, as `docker stats`). */
  cpuUsage: number
  memoryUsage: number
  memoryLimit: number
  networkRx: number
  networkTx: number
  blockRead: number
  blockWrite: number
}

/** `host:metrics` `metrics`, from the Engine's `GET /info`. */
export interface UpstreamHostMetrics {
  hostId: DockerHostId
  hostName: string
  dockerVersion: string
  apiVersion: string
  os: string
  architecture: string
  totalMemory: number
  totalCPU: number
  kernelVersion: string
  containers: number
  containersRunning: number
  containersStopped: number
  containersPaused: number
  images: number
  systemTime: string
}

interface ContainerCtx {
  hostId: DockerHostId
  containerId: string
}

interface ContainerInfoCtx extends ContainerCtx {
  containerInfo: UpstreamContainerInfo
}

interface HostCtx {
  hostId: DockerHostId
  hostName: string
  /** One Docker client per host here: the host's id. */
  docker_client_id: DockerHostId
}

/** The first argument of each upstream hook. */
export interface UpstreamEventContexts {
  "container:created": ContainerInfoCtx
  "container:started": ContainerInfoCtx
  "container:stopped": ContainerInfoCtx
  "container:paused": ContainerInfoCtx
  "container:unpaused": ContainerInfoCtx
  "container:died": ContainerInfoCtx
  "container:destroyed": ContainerCtx
  "container:removed": ContainerCtx
  "container:metrics": ContainerCtx & { stats: UpstreamContainerStats; docker_client_id: DockerHostId }
  "host:metrics": HostCtx & { metrics: UpstreamHostMetrics }
  /** `error` says why, when `healthy` is false. */
  "host:health:changed": { hostId: DockerHostId; hostName: string; healthy: boolean; error?: string }
  "host:added": HostCtx
  "host:removed": HostCtx
  "host:updated": HostCtx
}

// Every upstream hook has a context: adding a name to the catalog without one here fails to compile.
type _EveryUpstreamHookHasAContext = UpstreamEventContexts[UpstreamHookName]
