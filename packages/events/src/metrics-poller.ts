import { Agent } from "node:http"

import { errorMessage } from "@dockstat/plugin-schema"

import type { DockerHostId, UpstreamHookName } from "@dockstat/plugin-schema"

import { containerStats, hostMetrics } from "./container-stats.ts"
import { engineJson, engineRequest, readJson } from "./engine-request.ts"
import { containerInfoFromList } from "./upstream-context.ts"

import type { EngineInfo } from "./container-stats.ts"
import type { DockerSourceLogger } from "./docker-event-source.ts"
import type { EngineTarget } from "./docker-host.ts"
import type { ContainerListEntry } from "./upstream-context.ts"

export type MetricsHook = Extract<UpstreamHookName, "container:metrics" | "host:metrics">

export interface MetricsPollerOptions {
  target: EngineTarget
  host: { id: DockerHostId; name: string }
  /** Time between the start of one poll and the next (a slow poll delays the next, never overlaps it). */
  intervalMs: number
  /** Asked at every tick: a hook nobody listens to is not polled at all (no Engine request). */
  listening: (hook: MetricsHook) => boolean
  /** Asked at every tick: an engine whose event stream is down is not polled either. */
  connected: () => boolean
  /** Hands one context to the hook's listeners; the next tick waits for it. */
  emit: (hook: MetricsHook, context: Record<string, unknown>) => Promise<unknown> | unknown
  logger: DockerSourceLogger
  /** One Engine request (a stats call takes a second: the Engine samples CPU twice). Default 10 s. */
  requestTimeoutMs?: number
  /** Stats calls in flight at once per host (default 4). */
  concurrency?: number
}

export interface MetricsStatus {
  /** Intervals passed so far, whether or not anything was polled. */
  ticks: number
  /** Ticks that asked the Engine (someone listened and the host was connected). */
  polls: number
  /** ISO time of the last poll that asked the Engine anything. */
  lastPollAt: string | null
  /** The last failed Engine request of a poll; cleared by the next poll that succeeds. */
  lastError: string | null
}

export interface MetricsPoller {
  start(): void
  /** Cancels the timer, aborts the requests in flight and waits for the poll in progress to end. */
  stop(): Promise<void>
  status(): MetricsStatus
}

/**
 * Polls one Engine for upstream's `host:metrics` (`GET /info`) and `container:metrics`
 * (`GET /containers/{id}/stats?stream=false` for each running container) on an interval, only for the
 * hooks a loaded plugin listens to.
 */
export function createMetricsPoller(options: MetricsPollerOptions): MetricsPoller {
  const { target, host, logger } = options
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const status: MetricsStatus = { ticks: 0, polls: 0, lastPollAt: null, lastError: null }
  let run: { stopping: boolean; timer: NodeJS.Timeout | undefined; abort: AbortController; agent: Agent; poll: Promise<void> } | undefined

  const request = (path: string, signal: AbortSignal, agent: Agent) => ({ path, agent, signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]) })

  async function pollHost(signal: AbortSignal, agent: Agent): Promise<void> {
    const response = await engineRequest(target, request("/info", signal, agent))
    const apiVersion = String(response.headers["api-version"] ?? "")
    const info = await readJson<EngineInfo>(target, response, "GET /info")
    const metrics = hostMetrics(host, info ?? {}, apiVersion)
    await options.emit("host:metrics", { hostId: host.id, hostName: host.name, metrics, docker_client_id: host.id })
  }

  async function pollContainers(signal: AbortSignal, agent: Agent): Promise<void> {
    const running = (await engineJson<ContainerListEntry[]>(target, request("/containers/json", signal, agent))) ?? []
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < running.length && !signal.aborted) {
        const entry = running[next++] as ContainerListEntry
        const path = `/containers/${encodeURIComponent(entry.Id)}/stats?stream=false`
        let raw: Record<string, unknown>
        try {
          raw = await engineJson<Record<string, unknown>>(target, request(path, signal, agent))
        } catch (error) {
          // Stopped or removed between the list and its stats: the next poll will not list it.
          logger.debug({ host: target.host, containerId: entry.Id, error: errorMessage(error) }, "Container stats failed")
          continue
        }
        const stats = containerStats(containerInfoFromList(entry, host.id), raw)
        await options.emit("container:metrics", { hostId: host.id, containerId: entry.Id, stats, docker_client_id: host.id })
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, running.length) }, worker))
  }

  async function tick(current: NonNullable<typeof run>): Promise<void> {
    status.ticks += 1
    const wantHost = options.listening("host:metrics")
    const wantContainers = options.listening("container:metrics")
    if ((!wantHost && !wantContainers) || !options.connected()) return
    status.polls += 1
    status.lastPollAt = new Date().toISOString()
    const { signal } = current.abort
    const polls = [wantHost ? pollHost(signal, current.agent) : undefined, wantContainers ? pollContainers(signal, current.agent) : undefined]
    const outcomes = await Promise.allSettled(polls)
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected")
    if (failure === undefined) status.lastError = null
    else if (!current.stopping) {
      status.lastError = errorMessage(failure.reason)
      logger.debug({ host: target.host, error: status.lastError }, "Polling Docker metrics failed")
    }
  }

  function schedule(current: NonNullable<typeof run>, delay: number): void {
    current.timer = setTimeout(() => {
      const started = Date.now()
      current.poll = tick(current).then(() => {
        if (!current.stopping) schedule(current, Math.max(0, options.intervalMs - (Date.now() - started)))
      })
    }, delay)
    // A forgotten stop() must not keep the process alive; the event stream's socket does that anyway.
    current.timer.unref()
  }

  return {
    start() {
      if (run !== undefined) return
      run = { stopping: false, timer: undefined, abort: new AbortController(), agent: new Agent({ keepAlive: true, maxSockets: concurrency + 1 }), poll: Promise.resolve() }
      schedule(run, options.intervalMs)
    },
    async stop() {
      const current = run
      if (current === undefined) return
      run = undefined
      current.stopping = true
      clearTimeout(current.timer)
      current.abort.abort()
      await current.poll
      current.agent.destroy()
    },
    status: () => ({ ...status }),
  }
}
