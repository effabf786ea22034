import { errorMessage } from "@dockstat/plugin-schema"
import { DEFAULT_DOCKER_HOST, checkDockerHosts, createDockerHosts } from "@dockstat/plugin-events"

import type { DockerHostConfig, DockerHostId, HookName } from "@dockstat/plugin-schema"
import type { BackoffOptions, DockerHosts, DockerHostsStatus, DockerSourceLogger } from "@dockstat/plugin-events"
import type { DB } from "@dockstat/plugin-store"

import { leasedSources } from "./docker-lease.ts"
import type { LeaseOptions } from "./docker-lease.ts"

/** The handler's `docker` option. */
export interface DockerOptions {
  /** One engine (DOCKER_HOST form); default DOCKER_HOST, else /var/run/docker.sock. Its id is 1. */
  host?: string
  /** Several engines, `{ id, name, host }` each; instead of `host`. */
  hosts?: DockerHostConfig[]
  backoff?: BackoffOptions
  /** Where events start (engine seconds or RFC 3339) for hosts without their own `since`; default now. */
  since?: string
  /** Time between `container:metrics` / `host:metrics` polls of each host (default 30 s), while a plugin listens. */
  metricsIntervalMs?: number
  /**
   * One reader per engine among the processes sharing the database (default): lease options. `false`:
   * this process reads every engine whatever others do (each event then reaches each plugin once per process).
   */
  lease?: LeaseOptions | false
}

export interface DockerHostResult {
  success: boolean
  message: string
}

interface Deps {
  emit: (hook: HookName, payload: Record<string, unknown>) => Promise<unknown>
  /** Whether a loaded plugin has the hook, asked before each metrics poll. */
  listening: (hook: HookName) => boolean
  logger: DockerSourceLogger
  /** The database the lease and the event positions live in, and who this process is there. */
  db: DB
  holder: string
}

/**
 * The handler's Docker hosts: the configured list (changed at run time by add / remove / update, which
 * fire `host:added` / `host:removed` / `host:updated`) and, between start() and stop(), their event
 * sources.
 */
export class DockerEvents {
  readonly #options: DockerOptions
  readonly #deps: Deps
  #hosts: DockerHostConfig[]
  #source: DockerHosts | undefined

  constructor(options: DockerOptions, deps: Deps) {
    this.#options = options
    this.#deps = deps
    this.#hosts = configuredHosts(options)
  }

  /** Connects to every host in the background; a bad configuration is logged and leaves Docker off. */
  start(): void {
    if (this.#source !== undefined) return
    const { logger } = this.#deps
    try {
      if (this.#options.host !== undefined && this.#options.hosts !== undefined) throw new Error("docker: give host or hosts, not both")
      this.#source = createDockerHosts({
        hosts: this.#hosts,
        emit: this.#deps.emit,
        listening: this.#deps.listening,
        logger,
        ...(this.#options.backoff === undefined ? {} : { backoff: this.#options.backoff }),
        ...(this.#options.since === undefined ? {} : { since: this.#options.since }),
        ...(this.#options.metricsIntervalMs === undefined ? {} : { metricsIntervalMs: this.#options.metricsIntervalMs }),
        ...(this.#options.lease === false ? {} : { createSource: leasedSources(this.#deps.db, this.#deps.holder, this.#options.lease ?? {}, logger) }),
      })
    } catch (error) {
      // An unusable address (ssh://, TLS) is a configuration problem, not a reason not to serve.
      logger.error({ err: errorMessage(error) }, "Docker events disabled")
      return
    }
    this.#source.start()
  }

  async stop(): Promise<void> {
    const source = this.#source
    this.#source = undefined
    await source?.stop()
  }

  /** Null when not running. */
  status(): DockerHostsStatus | null {
    return this.#source?.status() ?? null
  }

  hosts(): DockerHostConfig[] {
    return this.#hosts.map((host) => ({ ...host }))
  }

  async add(host: DockerHostConfig): Promise<DockerHostResult> {
    return this.#change("host:added", host, async (config) => {
      if (this.#hosts.some((known) => String(known.id) === String(config.id))) throw new Error(`docker host id ${JSON.stringify(config.id)} is already used`)
      this.#source?.add(config)
      this.#hosts = [...this.#hosts, config]
      return `Added Docker host ${JSON.stringify(config.id)} (${config.name})`
    })
  }

  async update(host: DockerHostConfig): Promise<DockerHostResult> {
    return this.#change("host:updated", host, async (config) => {
      const index = this.#hosts.findIndex((known) => String(known.id) === String(config.id))
      if (index === -1) throw new Error(`no docker host has id ${JSON.stringify(config.id)}`)
      await this.#source?.update(config)
      this.#hosts = this.#hosts.map((known, at) => (at === index ? config : known))
      return `Updated Docker host ${JSON.stringify(config.id)} (${config.name})`
    })
  }

  async remove(id: DockerHostId): Promise<DockerHostResult> {
    const host = this.#hosts.find((known) => String(known.id) === String(id))
    if (host === undefined) return { success: false, message: `No Docker host has id ${JSON.stringify(id)}` }
    this.#hosts = this.#hosts.filter((known) => known !== host)
    await this.#source?.remove(host.id)
    await this.#deps.emit("host:removed", hostPayload(host))
    return { success: true, message: `Removed Docker host ${JSON.stringify(host.id)} (${host.name})` }
  }

  async #change(hook: HookName, host: DockerHostConfig, apply: (config: DockerHostConfig) => Promise<string>): Promise<DockerHostResult> {
    let message: string
    let config: DockerHostConfig
    try {
      config = checkDockerHosts([host], "docker host")[0] as DockerHostConfig
      message = await apply(config)
    } catch (error) {
      return { success: false, message: errorMessage(error) }
    }
    await this.#deps.emit(hook, hostPayload(config))
    return { success: true, message }
  }
}

/** `hosts`, else the one engine at `host` / DOCKER_HOST / the default socket, with id 1 named by its address. */
export function configuredHosts(options: DockerOptions): DockerHostConfig[] {
  if (options.hosts !== undefined) return options.hosts.map((host) => ({ ...host }))
  const address = options.host?.trim() || process.env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_HOST
  return [{ id: 1, name: address.slice(0, 100), host: address }]
}

function hostPayload(host: DockerHostConfig): Record<string, unknown> {
  return { hostId: host.id, hostName: host.name, docker_client_id: host.id }
}
