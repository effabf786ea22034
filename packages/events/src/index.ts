export { dispatchEvent } from "./dispatch.ts"
export type { DispatchOptions, DispatchReport, HookOutcome } from "./dispatch.ts"
export { createDockerEventSource } from "./docker-event-source.ts"
export type {
  DockerDelivery,
  DockerEventSource,
  DockerEventSourceOptions,
  DockerSourceLogger,
  DockerSourceStatus,
  HealthChange,
} from "./docker-event-source.ts"
export { checkDockerHosts, createDockerHosts } from "./docker-hosts.ts"
export type { DockerHosts, DockerHostsOptions, DockerHostsStatus, DockerHostStatus } from "./docker-hosts.ts"
export { parseDockerHostList } from "./docker-host-list.ts"
export type { MetricsStatus } from "./metrics-poller.ts"
export { containerInfoFromList, upstreamContainerInfo, upstreamDeliveries } from "./upstream-context.ts"
export type { ContainerListEntry, UpstreamDelivery } from "./upstream-context.ts"
export { containerStats, hostMetrics } from "./container-stats.ts"
export { DEFAULT_DOCKER_HOST, parseDockerHost } from "./docker-host.ts"
export type { EngineTarget } from "./docker-host.ts"
export { decodeEngineEvent, formatEngineTime, parseEngineTime } from "./engine-event.ts"
export type { DecodedEngineEvent, DockerEngineEvent } from "./engine-event.ts"
export { containerFromEvent, containerFromInspect, eventPayload } from "./event-details.ts"
export type { ContainerDetails, ContainerInspect } from "./event-details.ts"
export type { BackoffOptions } from "./backoff.ts"
