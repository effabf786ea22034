export { dispatchEvent } from "./dispatch.ts"
export type { DispatchOptions, DispatchReport, HookOutcome } from "./dispatch.ts"
export { createDockerEventSource } from "./docker-event-source.ts"
export type {
  DockerDelivery,
  DockerEventSource,
  DockerEventSourceOptions,
  DockerSourceLogger,
  DockerSourceStatus,
} from "./docker-event-source.ts"
export { DEFAULT_DOCKER_HOST, parseDockerHost } from "./docker-host.ts"
export type { EngineTarget } from "./docker-host.ts"
export { decodeEngineEvent, formatEngineTime, parseEngineTime } from "./engine-event.ts"
export type { DecodedEngineEvent, DockerEngineEvent } from "./engine-event.ts"
export { containerFromEvent, containerFromInspect, eventPayload } from "./event-details.ts"
export type { ContainerDetails, ContainerInspect } from "./event-details.ts"
export type { BackoffOptions } from "./backoff.ts"
