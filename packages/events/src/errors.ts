import { PluginError } from "@dockstat/plugin-schema"

/**
 * The Docker engine could not be reached or answered with an error. Carries the host so a log line or a
 * status endpoint says which engine, and the cause (socket error, HTTP status) for debugging.
 *
 * @example
 * throw engineError("unix:///var/run/docker.sock", "GET /events answered 500: boom")
 */
export function engineError(host: string, message: string, cause?: unknown): PluginError {
  return new PluginError("UPSTREAM_FAILED", `Docker engine at ${host}: ${message}`, {
    data: { host },
    ...(cause === undefined ? {} : { cause }),
  })
}

/**
 * A DOCKER_HOST this source cannot talk to (ssh://, npipe://, a typo). Thrown by the factory, not at run
 * time: a wrong setting should fail loudly at start-up rather than look like an engine outage forever.
 */
export function invalidDockerHost(host: string, reason: string): PluginError {
  return new PluginError("INVALID_INPUT", `Invalid DOCKER_HOST "${host}": ${reason}`, { data: { host } })
}

/** An option of the event source that cannot work, reported when the source is created. */
export function invalidSourceOption(option: string, reason: string): PluginError {
  return new PluginError("INVALID_INPUT", `Docker event source option "${option}": ${reason}`, { data: { option } })
}
