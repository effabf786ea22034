import { dockerHostsSchema, errorMessage, formatZodError, PluginError } from "@dockstat/plugin-schema"

import type { DockerHostConfig, DockerHostId, HookName } from "@dockstat/plugin-schema"

import { createDockerEventSource } from "./docker-event-source.ts"
import { parseDockerHost } from "./docker-host.ts"
import { createMetricsPoller } from "./metrics-poller.ts"

import type { BackoffOptions } from "./backoff.ts"
import type { DockerEventSource, DockerEventSourceOptions, DockerSourceLogger, DockerSourceStatus } from "./docker-event-source.ts"
import type { MetricsPoller, MetricsStatus } from "./metrics-poller.ts"

export interface DockerHostsOptions {
  /** The engines to read, each `{ id, name, host }`; ids unique. Validated: a bad entry throws naming it. */
  hosts: readonly DockerHostConfig[]
  /**
   * Hands a hook and its payload to the plugins (the handler's `emit`). Called for each Engine event's
   * seed hook and upstream hooks, for `host:health:changed` and the metrics hooks. What it returns for
   * an Engine event (a dispatch report) counts failures in the host's status.
   */
  emit: (hook: HookName, payload: Record<string, unknown>) => Promise<unknown> | unknown
  /**
   * Whether a loaded plugin listens to a hook right now; asked before each metrics poll, so metrics
   * nobody listens to cost no Engine request. Default: nobody listens (no metrics are polled).
   */
  listening?: (hook: HookName) => boolean
  /** Time between metrics polls of each host (default 30 s). */
  metricsIntervalMs?: number
  logger?: DockerSourceLogger
  backoff?: BackoffOptions
  /** Where events start for hosts without their own `since` (default: now). */
  since?: string
  inspectTimeoutMs?: number
  maxQueue?: number
  /**
   * Makes each host's event source (default `createDockerEventSource`): how a host puts a gate around
   * it, such as one reader per engine among several processes (the handler's lease).
   */
  createSource?: (options: DockerEventSourceOptions, host: DockerHostConfig) => DockerEventSource
}

/** One host's part of the status: its event stream's, and its metrics polling. */
export interface DockerHostStatus extends DockerSourceStatus {
  metrics: MetricsStatus
}

/**
 * The source's status. With one host the top-level fields are that host's; with several, `connected`
 * means all are, counts are sums, `lastEventAt` the newest, `lastError` the first host's that has one
 * (prefixed with its name) and `host` lists the addresses.
 */
export interface DockerHostsStatus extends Omit<DockerSourceStatus, "hostId" | "hostName"> {
  hosts: DockerHostStatus[]
}

export interface DockerHosts {
  /** Starts every host's stream and metrics polling; never throws for an unreachable engine. */
  start(): void
  /** Stops every host and waits for their deliveries in progress; can be started again. */
  stop(): Promise<void>
  status(): DockerHostsStatus
  /** Adds a host, started at once when running. Throws for a bad host or a taken id. */
  add(host: DockerHostConfig): void
  /** Stops and forgets a host; false when no host has the id. */
  remove(id: DockerHostId): Promise<boolean>
  /**
   * Renames a host, or points it at another address (its stream starts anew there, from now). Throws
   * for a bad host or when no host has the id.
   */
  update(host: DockerHostConfig): Promise<void>
}

interface HostEntry {
  /** Read by the poller and the health reports at each use, so a rename reaches them. */
  ref: { id: DockerHostId; name: string }
  source: DockerEventSource
  poller: MetricsPoller
}

const SILENT: DockerSourceLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/**
 * Docker events from several engines: each host has its own event stream, reconnect backoff and
 * `since` cursor, its own metrics polling, and its id in every payload.
 *
 * @example
 * const docker = createDockerHosts({
 *   hosts: [{ id: 1, name: "local", host: "unix:///var/run/docker.sock" }, { id: 2, name: "nas", host: "tcp://10.0.0.5:2375" }],
 *   emit: (hook, payload) => handler.emit(hook, payload),
 *   listening: (hook) => loadedPluginsListenTo(hook),
 * })
 * docker.start()
 */
export function createDockerHosts(options: DockerHostsOptions): DockerHosts {
  const logger = options.logger ?? SILENT
  const listening = options.listening ?? (() => false)
  const metricsIntervalMs = Math.max(1, options.metricsIntervalMs ?? 30_000)
  const entries = new Map<string, HostEntry>()
  const pending = new Set<Promise<void>>()
  let running = false

  for (const host of checkDockerHosts(options.hosts)) entries.set(String(host.id), createEntry(host))

  /** Host events are not part of an Engine stream's order: handed over at once, awaited by stop(). */
  function track(hook: HookName, payload: Record<string, unknown>): void {
    const delivery = (async () => {
      try {
        await options.emit(hook, payload)
      } catch (error) {
        logger.error({ hook, hostId: payload.hostId, error: errorMessage(error) }, "Delivering a Docker host event failed")
      }
    })()
    pending.add(delivery)
    void delivery.finally(() => pending.delete(delivery))
  }

  function createEntry(config: DockerHostConfig): HostEntry {
    const target = parseDockerHost(config.host)
    const since = config.since ?? options.since
    const ref = { id: config.id, name: config.name }
    const sourceOptions: DockerEventSourceOptions = {
      host: config.host,
      hostId: config.id,
      hostName: config.name,
      deliver: (delivery) => Promise.all([options.emit(delivery.hook, delivery.payload), ...delivery.upstream.map((upstream) => options.emit(upstream.hook, upstream.context))]),
      onHealth: ({ healthy, error }) => track("host:health:changed", { hostId: ref.id, hostName: ref.name, healthy, ...(error === undefined ? {} : { error }) }),
      logger,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(since === undefined ? {} : { since }),
      ...(options.inspectTimeoutMs === undefined ? {} : { inspectTimeoutMs: options.inspectTimeoutMs }),
      ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
    }
    const source = options.createSource ? options.createSource(sourceOptions, config) : createDockerEventSource(sourceOptions)
    const poller = createMetricsPoller({
      target,
      host: ref,
      intervalMs: metricsIntervalMs,
      listening,
      connected: () => source.status().connected,
      emit: (hook, context) => options.emit(hook, context),
      logger,
    })
    return { ref, source, poller }
  }

  async function stopEntry(entry: HostEntry): Promise<void> {
    await Promise.all([entry.source.stop(), entry.poller.stop()])
  }

  function startEntry(entry: HostEntry): void {
    entry.source.start()
    entry.poller.start()
  }

  const validHost = (host: DockerHostConfig): DockerHostConfig => checkDockerHosts([host], "docker host")[0] as DockerHostConfig

  return {
    start() {
      if (running) return
      running = true
      for (const entry of entries.values()) startEntry(entry)
    },
    async stop() {
      running = false
      await Promise.all([...entries.values()].map(stopEntry))
      await Promise.all([...pending])
    },
    status() {
      const hosts = [...entries.values()].map((entry) => ({ ...entry.source.status(), metrics: entry.poller.status() }))
      return { ...summary(hosts), hosts }
    },
    add(host) {
      const config = validHost(host)
      if (entries.has(String(config.id))) throw invalidHosts(`docker host id ${JSON.stringify(config.id)} is already used`)
      const entry = createEntry(config)
      entries.set(String(config.id), entry)
      if (running) startEntry(entry)
      logger.info({ hostId: config.id, hostName: config.name, host: config.host }, "Docker host added")
    },
    async remove(id) {
      const entry = entries.get(String(id))
      if (entry === undefined) return false
      entries.delete(String(id))
      await stopEntry(entry)
      logger.info({ hostId: entry.ref.id, hostName: entry.ref.name }, "Docker host removed")
      return true
    },
    async update(host) {
      const config = validHost(host)
      const entry = entries.get(String(config.id))
      if (entry === undefined) throw invalidHosts(`no docker host has id ${JSON.stringify(config.id)}`)
      if (parseDockerHost(config.host).host === entry.source.status().host) {
        entry.ref.name = config.name
        entry.source.setHostName(config.name)
      } else {
        const fresh = createEntry(config)
        await stopEntry(entry)
        entries.set(String(config.id), fresh)
        if (running) startEntry(fresh)
      }
      logger.info({ hostId: config.id, hostName: config.name, host: config.host }, "Docker host updated")
    },
  }
}

/**
 * A list of Docker hosts checked whole: each entry's shape, unique ids, and an address this source can
 * talk to. Throws an INVALID_INPUT PluginError naming the entry and field.
 *
 * @example
 * checkDockerHosts([{ id: 1, name: "local", host: "ssh://box" }]) // throws: docker.hosts.0.host: Invalid DOCKER_HOST "ssh://box": ...
 */
export function checkDockerHosts(hosts: unknown, subject = "docker.hosts"): DockerHostConfig[] {
  const parsed = dockerHostsSchema.safeParse(hosts)
  if (!parsed.success) throw invalidHosts(formatZodError(parsed.error, subject))
  parsed.data.forEach((host, index) => {
    try {
      parseDockerHost(host.host)
    } catch (error) {
      throw invalidHosts(`${subject}: ${index}.host: ${errorMessage(error)}`)
    }
  })
  return parsed.data
}

function summary(hosts: readonly DockerHostStatus[]): Omit<DockerSourceStatus, "hostId" | "hostName"> {
  if (hosts.length === 1) {
    const { hostId: _id, hostName: _name, metrics: _metrics, ...only } = hosts[0] as DockerHostStatus
    return only
  }
  const newest = hosts.map((host) => host.lastEventAt).filter((at): at is string => at !== null).sort().at(-1) ?? null
  const failing = hosts.find((host) => host.lastError !== null)
  return {
    connected: hosts.length > 0 && hosts.every((host) => host.connected),
    delivered: sum(hosts, "delivered"),
    failed: sum(hosts, "failed"),
    queued: sum(hosts, "queued"),
    reconnects: sum(hosts, "reconnects"),
    lastEventAt: newest,
    lastError: failing === undefined ? null : `[${failing.hostName}] ${failing.lastError}`,
    host: hosts.map((host) => host.host).join(", "),
  }
}

function sum(hosts: readonly DockerHostStatus[], field: "delivered" | "failed" | "queued" | "reconnects"): number {
  return hosts.reduce((total, host) => total + host[field], 0)
}

function invalidHosts(message: string): PluginError {
  return new PluginError("INVALID_INPUT", message, { data: { option: "docker.hosts" } })
}
