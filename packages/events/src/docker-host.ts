import { invalidDockerHost } from "./errors.ts"

/** Where the Engine API listens: a unix socket, or a plain-HTTP TCP address. */
export type EngineTarget =
  | { kind: "unix"; socketPath: string; host: string }
  | { kind: "tcp"; hostname: string; port: number; host: string }

/** Docker's own default when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"

/**
 * Parses a DOCKER_HOST value (`unix:///path`, `tcp://host:port`, `http://host:port`, or a bare socket
 * path). TLS (`DOCKER_TLS_VERIFY`), `ssh://` and `npipe://` are refused with a clear error instead of
 * being retried forever as if the engine were down.
 *
 * @example
 * parseDockerHost("tcp://127.0.0.1:2375") // { kind: "tcp", hostname: "127.0.0.1", port: 2375, host: "tcp://127.0.0.1:2375" }
 */
export function parseDockerHost(value: string | undefined = process.env.DOCKER_HOST): EngineTarget {
  const raw = value === undefined || value.trim() === "" ? DEFAULT_DOCKER_HOST : value.trim()
  if (raw.startsWith("/")) return { kind: "unix", socketPath: raw, host: `unix://${raw}` }
  const scheme = /^([a-z]+):\/\//i.exec(raw)?.[1]?.toLowerCase()
  if (scheme === "unix") {
    const socketPath = raw.slice("unix://".length)
    if (!socketPath.startsWith("/")) throw invalidDockerHost(raw, "a unix socket needs an absolute path (unix:///path)")
    return { kind: "unix", socketPath, host: raw }
  }
  if (scheme === "tcp" || scheme === "http") {
    let url: URL
    try {
      url = new URL(`http://${raw.slice(scheme.length + 3)}`)
    } catch (error) {
      throw invalidDockerHost(raw, `not a host:port (${String(error)})`)
    }
    if (url.pathname !== "/" && url.pathname !== "") throw invalidDockerHost(raw, "a path prefix is not supported")
    // 2375 is Docker's conventional plain-HTTP port; tcp:// without a port means it.
    const port = url.port === "" ? 2375 : Number(url.port)
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1")
    return { kind: "tcp", hostname, port, host: `tcp://${url.host}` }
  }
  throw invalidDockerHost(raw, `scheme "${scheme ?? raw}" is not supported (use unix:// or tcp://)`)
}
