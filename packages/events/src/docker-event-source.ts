import { Agent } from "node:http"

import { errorMessage, hookForDockerEvent, isPluginError } from "@dockstat/plugin-schema"

import type { IncomingMessage } from "node:http"

import type { DockerHookName, DockerHostId, HookName, LogFn } from "@dockstat/plugin-schema"
import type { DispatchReport, HookOutcome } from "./dispatch.ts"

import { createBackoff } from "./backoff.ts"
import { parseDockerHost } from "./docker-host.ts"
import { decodeEngineEvent, parseEngineTime } from "./engine-event.ts"
import { engineJson, engineRequest, readJson } from "./engine-request.ts"
import { engineError, invalidSourceOption } from "./errors.ts"
import { eventPayload, needsInspect } from "./event-details.ts"
import { createEventCursor } from "./event-cursor.ts"
import { createLineDecoder } from "./json-lines.ts"
import { createOrderedQueue } from "./ordered-queue.ts"
import { upstreamDeliveries } from "./upstream-context.ts"

import type { BackoffOptions } from "./backoff.ts"
import type { DecodedEngineEvent, DockerEngineEvent } from "./engine-event.ts"
import type { ContainerInspect } from "./event-details.ts"
import type { OrderedQueue } from "./ordered-queue.ts"
import type { UpstreamDelivery } from "./upstream-context.ts"

/** What the source hands over for each engine event that has a hook. */
export interface DockerDelivery {
  hook: DockerHookName
  /**
   * The hook context: `event` (raw), `hostId` and `hostName`, plus `container` / `image` / `volume` /
   * `network` details.
   */
  payload: Record<string, unknown>
  /** The upstream-named hooks the same event fires (`"container:started"`, ...) with their contexts. */
  upstream: readonly UpstreamDelivery[]
  event: DockerEngineEvent
  /** The event's exact time, nanoseconds since the epoch as digits (the JSON number is rounded). */
  timeNano: string
}

/** The four levels the source logs at; a pino logger or `console` fits. */
export interface DockerSourceLogger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

/** A change of the engine's reachability: the stream opened (healthy) or was lost / could not open. */
export interface HealthChange {
  healthy: boolean
  /** Why, when not healthy. */
  error?: string
}

export interface DockerEventSourceOptions {
  /** DOCKER_HOST form: `unix:///path` or `tcp://host:port`. Default: env DOCKER_HOST, else /var/run/docker.sock. */
  host?: string
  /** The host's id in every payload (`hostId`; default 1). */
  hostId?: DockerHostId
  /** The host's name in every payload (`hostName`; default the address). */
  hostName?: string
  /**
   * Called when the engine becomes reachable (the first connection, a reconnect after an outage) and
   * when it stops being reachable (first failure of an outage): once per change, never for a repeat.
   */
  onHealth?: (change: HealthChange) => void
  /**
   * Called once per event, in the engine's order, one at a time: the next call waits until the returned
   * promise settles. Meanwhile the source keeps reading the stream into a bounded queue (`maxQueue`),
   * because the engine drops events for a subscriber that stops reading. A throw or rejection is logged
   * and counted in `failed`; the event is not retried. A `DispatchReport` returned (what `handler.emit`
   * and `dispatchEvent` give), or an array of them, with a hook that failed or timed out counts the
   * event in `failed` too and sets `lastError`; it is not logged again here (the dispatcher's caller logs each failing hook).
   */
  deliver: (delivery: DockerDelivery) => Promise<unknown> | unknown
  logger?: DockerSourceLogger
  backoff?: BackoffOptions
  /**
   * Deliver events from this time on (the engine keeps only its most recent events, 256 on Docker 20.10,
   * in memory). Engine form `1700000000.123456789` or RFC 3339. Default: from the moment of the first
   * connection.
   */
  since?: string
  /** Limit for one container inspect before falling back to the event's own attributes (default 5000 ms). */
  inspectTimeoutMs?: number
  /**
   * Events read ahead of a slow `deliver` (default 10000). When that many wait, the source stops reading
   * and the engine buffers (1024 events, then it drops them for this subscriber).
   */
  maxQueue?: number
}

export interface DockerSourceStatus {
  /** The `/events` stream is open right now. */
  connected: boolean
  /** Events handed to `deliver` that it accepted (did not throw, reported no failed hook). */
  delivered: number
  /** Events whose `deliver` threw or rejected, or whose report says a plugin's hook failed or timed out. */
  failed: number
  /** Events read from the engine and waiting for `deliver`. */
  queued: number
  /** Times the stream was opened again after it had been open and was lost. */
  reconnects: number
  /** ISO time of the newest delivered event (the engine's time of the event, not of its arrival). */
  lastEventAt: string | null
  /**
   * The most recent failure: of the connection, or of a delivery (naming the hook and the plugin); kept
   * after a reconnect so a status page can still show it.
   */
  lastError: string | null
  host: string
  /** The host's id and name as they appear in payloads. */
  hostId: DockerHostId
  hostName: string
  /**
   * With several processes on one database (the handler's lease): whether this process is the one
   * reading this engine, and the lease's name. Absent without a lease.
   */
  leader?: boolean
  lease?: string
}

export interface DockerEventSource {
  /** Connects in the background; never throws for an unreachable engine (see `status()`). Idempotent. */
  start(): void
  /**
   * Aborts the stream and any inspect, cancels a pending reconnect, waits for the delivery in progress
   * to settle and closes every socket: nothing of the source keeps the process alive afterwards.
   * The source can be started again; it resumes where it stopped.
   */
  stop(): Promise<void>
  status(): DockerSourceStatus
  /** Renames the host in the payloads of the events from now on (`hostName`). */
  setHostName(name: string): void
}

/** One start() .. stop() of the source. */
interface Run {
  stopping: boolean
  abort: AbortController
  agent: Agent
  loop: Promise<void>
  wake: () => void
}

/** An event read from the stream, waiting for its turn. */
interface Pending {
  decoded: DecodedEngineEvent
  /** Undefined for an event without a hook: it only moves the cursor. */
  delivery: DockerDelivery | undefined
}

const SILENT: DockerSourceLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/**
 * Reads the Docker Engine's `GET /events` stream and delivers each event that has a hook, with the
 * details the hook context needs, in order. When the engine goes away (socket error, stream end, engine
 * restart) it reconnects with exponential backoff, logging once per outage, and resumes with
 * `since=<last event time>` so that no event is lost or delivered twice.
 *
 * @example
 * const source = createDockerEventSource({
 *   deliver: ({ hook, payload }) => handler.emit(hook, payload),
 *   logger,
 * })
 * source.start()
 * // on shutdown
 * await source.stop()
 */
export function createDockerEventSource(options: DockerEventSourceOptions): DockerEventSource {
  const target = parseDockerHost(options.host)
  const hostId = options.hostId ?? 1
  let hostName = options.hostName ?? target.host
  const logger = options.logger ?? SILENT
  const inspectTimeoutMs = options.inspectTimeoutMs ?? 5000
  const maxQueue = Math.max(1, options.maxQueue ?? 10_000)
  const backoff = createBackoff(options.backoff)
  const cursor = createEventCursor()
  if (options.since !== undefined) cursor.setStart(parseSince(options.since))

  const status: DockerSourceStatus = {
    connected: false,
    delivered: 0,
    failed: 0,
    queued: 0,
    reconnects: 0,
    lastEventAt: null,
    lastError: null,
    host: target.host,
    hostId,
    hostName,
  }
  let running: Run | undefined
  let everConnected = false
  let inOutage = false
  let healthy: boolean | undefined

  function setHealth(change: HealthChange): void {
    if (healthy === change.healthy) return
    healthy = change.healthy
    try {
      options.onHealth?.(change)
    } catch (error) {
      logger.error({ host: target.host, error: errorMessage(error) }, "Reporting the Docker host's health failed")
    }
  }

  async function runLoop(run: Run): Promise<void> {
    while (!run.stopping) {
      let failure: unknown
      try {
        await streamOnce(run)
        failure = engineError(target.host, "the event stream ended")
      } catch (error) {
        // A socket that broke mid-stream says only "aborted" or "ECONNRESET": name the engine.
        failure = isPluginError(error) ? error : engineError(target.host, `the event stream failed: ${errorMessage(error)}`, error)
      }
      status.connected = false
      if (run.stopping) break
      noteFailure(failure)
      await pause(run, backoff.next())
    }
    status.connected = false
  }

  async function streamOnce(run: Run): Promise<void> {
    const { signal } = run.abort
    if (cursor.since() === undefined) {
      // Without a starting point, a reconnect before the first event could not ask for what happened
      // meanwhile; the engine's own clock gives one with full precision.
      const info = await engineJson<{ SystemTime?: string }>(target, { path: "/info", signal, agent: run.agent })
      if (typeof info?.SystemTime !== "string") throw engineError(target.host, "GET /info gave no SystemTime")
      cursor.setStart(parseEngineTime(info.SystemTime))
    }
    const since = cursor.since() ?? "0"
    cursor.beginConnection()
    const response = await engineRequest(target, { path: `/events?since=${since}`, signal, agent: run.agent })
    if (response.statusCode !== 200) {
      await readJson(target, response, "GET /events")
      throw engineError(target.host, `GET /events answered ${response.statusCode ?? "no status"}`)
    }
    onConnected(since)
    await readStream(run, response)
  }

  function onConnected(since: string): void {
    status.connected = true
    backoff.reset()
    if (everConnected) status.reconnects += 1
    if (inOutage) logger.info({ host: target.host, since }, "Docker event stream reconnected; resuming from the last event")
    else if (!everConnected) logger.info({ host: target.host }, "Docker event stream connected")
    everConnected = true
    inOutage = false
    setHealth({ healthy: true })
  }

  function noteFailure(error: unknown): void {
    const message = errorMessage(error)
    status.lastError = message
    setHealth({ healthy: false, error: message })
    if (inOutage) {
      logger.debug({ host: target.host, error: message }, "Docker engine still unreachable")
      return
    }
    inOutage = true
    logger.warn({ host: target.host, error: message }, "Docker engine unreachable; reconnecting with backoff")
  }

  async function readStream(run: Run, response: IncomingMessage): Promise<void> {
    const queue = createOrderedQueue<Pending>({ max: maxQueue, handle: (pending) => deliverOne(run, pending) })
    // An endless line would otherwise grow in memory until the host falls over.
    const lines = createLineDecoder({
      onOversized: ({ bytesSeen, maxLineBytes }) =>
        logger.warn({ host: target.host, bytesSeen, maxLineBytes }, `Skipping a Docker event line longer than ${maxLineBytes} bytes; reading on from its end`),
    })
    try {
      for await (const chunk of response) {
        for (const line of lines.push(chunk as Buffer)) await readLine(run, queue, line)
      }
      for (const line of lines.end()) await readLine(run, queue, line)
    } finally {
      status.connected = false
      // Stopping: only the delivery in progress finishes. A broken stream: everything read is delivered
      // before the reconnect, so the cursor's `since` is exact and no read-ahead event is asked for twice.
      if (run.stopping) queue.stop()
      await queue.drained()
      status.queued = 0
    }
  }

  async function readLine(run: Run, queue: OrderedQueue<Pending>, line: string): Promise<void> {
    let decoded: DecodedEngineEvent
    try {
      decoded = decodeEngineEvent(line)
    } catch (error) {
      logger.warn({ host: target.host, line: line.slice(0, 200), error: errorMessage(error) }, "Skipping an undecodable Docker event")
      return
    }
    if (cursor.isRepeat(decoded)) {
      logger.debug({ key: decoded.key }, "Skipping a Docker event delivered before the reconnect")
      return
    }
    const hook = hookForDockerEvent(decoded.event.Type, decoded.event.Action)
    let delivery: DockerDelivery | undefined
    if (hook !== undefined) {
      // Inspected as it is read, not when its turn to be delivered comes: the details then describe
      // the container as close to the event as possible.
      const inspect = needsInspect(decoded.event) ? await inspectContainer(run, decoded.event.Actor.ID) : undefined
      delivery = {
        hook,
        payload: { ...eventPayload(decoded.event, inspect), hostId, hostName },
        upstream: upstreamDeliveries(decoded.event, inspect, hostId),
        event: decoded.event,
        timeNano: String(decoded.timeNano),
      }
    }
    if (run.stopping) return
    status.queued += 1
    // Events without a hook go through the queue too, so the cursor advances in the engine's order.
    await queue.push({ decoded, delivery })
  }

  async function deliverOne(run: Run, { decoded, delivery }: Pending): Promise<void> {
    status.queued = Math.max(0, status.queued - 1)
    // stop() came while this one waited: leave it untaken, the next start asks the engine for it again.
    if (run.stopping) return
    if (delivery !== undefined) {
      try {
        const failure = failedHook(await options.deliver(delivery))
        if (failure === undefined) status.delivered += 1
        else {
          const { hook, outcome } = failure
          status.failed += 1
          status.lastError = `${hook ?? delivery.hook} of plugin "${outcome.plugin}" (id ${outcome.pluginId}) ${outcome.status === "timeout" ? "timed out" : "failed"}: ${outcome.message}`
        }
      } catch (error) {
        status.failed += 1
        status.lastError = `${delivery.hook}: ${errorMessage(error)}`
        logger.error({ hook: delivery.hook, error: errorMessage(error) }, "Delivering a Docker event failed")
      }
      status.lastEventAt = new Date(Number(decoded.timeNano / 1_000_000n)).toISOString()
    }
    // Taken only once handled: an event still queued when the source stops comes again on the next start.
    cursor.take(decoded)
  }

  async function inspectContainer(run: Run, id: string): Promise<ContainerInspect | undefined> {
    const signal = AbortSignal.any([run.abort.signal, AbortSignal.timeout(inspectTimeoutMs)])
    try {
      return await engineJson<ContainerInspect>(target, { path: `/containers/${encodeURIComponent(id)}/json`, signal, agent: run.agent })
    } catch (error) {
      // Gone already (a die racing a remove) or the engine is slow: the event's attributes still
      // carry the name, image and labels.
      logger.debug({ id, error: errorMessage(error) }, "Container inspect failed; using the event's attributes")
      return undefined
    }
  }

  function pause(run: Run, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        run.wake = () => {}
        resolve()
      }
      run.wake = done
    })
  }

  return {
    start() {
      if (running !== undefined) return
      const run = {
        stopping: false,
        abort: new AbortController(),
        // Our own agent: stop() destroys it, so no kept-alive socket outlives the source.
        agent: new Agent({ keepAlive: true, maxSockets: 4 }),
        loop: Promise.resolve(),
        wake: () => {},
      }
      running = run
      run.loop = runLoop(run)
    },
    async stop() {
      const run = running
      if (run === undefined) return
      run.stopping = true
      run.abort.abort()
      run.wake()
      await run.loop
      run.agent.destroy()
      status.connected = false
      inOutage = false
      if (running === run) running = undefined
    },
    status: () => ({ ...status }),
    setHostName(name) {
      hostName = name
      status.hostName = name
    },
  }
}

function parseSince(since: string): bigint {
  const seconds = /^(\d+)(?:\.(\d{1,9}))?$/.exec(since.trim())
  if (seconds) return BigInt(seconds[1] ?? "0") * 1_000_000_000n + BigInt((seconds[2] ?? "").padEnd(9, "0"))
  try {
    return parseEngineTime(since)
  } catch {
    throw invalidSourceOption("since", `"${since}" is neither seconds (1700000000.123456789) nor an RFC 3339 time`)
  }
}

type FailedOutcome = Exclude<HookOutcome, { status: "ok" }>

/** The first hook outcome that is not ok, when `deliver` returned a dispatch report (or several). */
function failedHook(result: unknown): { hook: HookName | undefined; outcome: FailedOutcome } | undefined {
  for (const report of Array.isArray(result) ? result : [result]) {
    const results = (report as Partial<DispatchReport> | null | undefined)?.results
    if (!Array.isArray(results)) continue
    const outcome = results.find((candidate): candidate is FailedOutcome => candidate?.status === "error" || candidate?.status === "timeout")
    if (outcome !== undefined) return { hook: (report as Partial<DispatchReport>).event, outcome }
  }
  return undefined
}
