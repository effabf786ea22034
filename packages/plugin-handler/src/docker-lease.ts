import { hostname } from "node:os"

import { errorMessage } from "@dockstat/plugin-schema"
import { createDockerEventSource, formatEngineTime, parseDockerHost, parseEngineTime } from "@dockstat/plugin-events"
import { createEventCursors, createLeases, retryWhileBusy } from "@dockstat/plugin-store"

import type { DockerHostConfig, DockerHostId } from "@dockstat/plugin-schema"
import type { DockerDelivery, DockerEngineEvent, DockerEventSource, DockerEventSourceOptions, DockerSourceLogger, DockerSourceStatus } from "@dockstat/plugin-events"
import type { DB, StoredCursor } from "@dockstat/plugin-store"

/** How long a lease lasts without renewal, how often its holder renews it, and what it is named after. */
export interface LeaseOptions {
  /** Default 3000 ms: a holder that stops (killed, stalled) is replaced this long after its last renewal. */
  ttlMs?: number
  /** Default 1000 ms: how often the holder renews, and how often the others look whether it is free. */
  renewMs?: number
  /**
   * What makes two processes' hosts one engine, so one of them reads it. "address" (default): the
   * engine's address, with the machine's name for a unix socket (`docker:<machine>:<socket>`, each
   * machine's own engine) and without for TCP (`docker:tcp://host:port`, one engine whichever machine
   * asks). "id": the host's configured id (`docker:id:<id>`), for processes that give each engine the
   * same id but reach it by different addresses (containers mounting the host's socket).
   */
  scope?: "address" | "id"
}

export interface LeasedSourceOptions extends Pick<LeaseOptions, "ttlMs" | "renewMs"> {
  db: DB
  /** The lease, and the name of the stored cursor: `docker:<engine>`. */
  name: string
  /** Who this process is (unique per process). */
  holder: string
  /** The engine's address and the host's id and name, for the status while this process does not read it. */
  host: string
  hostId: DockerHostId
  hostName: string
  /** Where to start when no process has read this engine before (engine or RFC 3339 time); default now. */
  since?: string | undefined
  /** The source this process runs while it holds the lease, starting at `since`, delivering through `deliver`. */
  createSource: (since: string, deliver: (delivery: DockerDelivery) => Promise<unknown>, hostName: string) => DockerEventSource
  /** Delivers one event to the plugins. */
  deliver: (delivery: DockerDelivery) => Promise<unknown> | unknown
  logger: DockerSourceLogger
}

/** The Docker source status, saying whether this process is the one reading the engine. */
export type LeasedSourceStatus = DockerSourceStatus & { leader: boolean; lease: string }

interface Leadership {
  source: DockerEventSource
  /** Until when this process may deliver: its last successful renewal plus the ttl. */
  heldUntil: number
  cursor: StoredCursor
  /** Events at the cursor's nanosecond the previous reader delivered: skipped once each when the engine repeats them. */
  repeats: Map<string, number>
  lost: boolean
}

/**
 * One Docker event reader among the processes sharing a database: the process holding the lease
 * `docker:<engine>` (a row in `host_leases`, renewed every `renewMs`, lasting `ttlMs`) runs the event
 * source; the others look every `renewMs` whether it is free. After each delivered event the holder
 * stores its position (`event_cursors`, only while it still holds the lease), so the process that takes
 * over after a crash starts with `since` there, skips what was delivered already, and loses nothing the
 * engine still holds. The holder delivers only while its lease is surely its own (its last renewal plus
 * the ttl has not passed), so two processes never deliver at once.
 *
 * An event whose delivery was under way when its reader died (hooks ran, the position was not stored
 * yet) is delivered again by the next reader: at least once, never lost.
 */
export function createLeasedSource(options: LeasedSourceOptions): DockerEventSource & { status(): LeasedSourceStatus } {
  const ttlMs = options.ttlMs ?? 3000
  const renewMs = options.renewMs ?? 1000
  const { name, holder, logger } = options
  const leases = createLeases(options.db)
  const cursors = createEventCursors(options.db)
  let leadership: Leadership | undefined
  let timer: NodeJS.Timeout | undefined
  let ticking: Promise<void> = Promise.resolve()
  /** Counters of the sources that ran before (a new leadership starts a new source). */
  const past = { delivered: 0, failed: 0, reconnects: 0, skipped: 0 }
  let lastEventAt: string | null = null
  let lastError: string | null = null
  let hostName = options.hostName

  async function tick(): Promise<void> {
    const now = Date.now()
    if (leadership !== undefined) {
      let renewed = false
      try {
        renewed = leases.acquire(name, holder, ttlMs, now)
      } catch (error) {
        // Busy: not renewed this time; the lease still runs until heldUntil, and the next tick tries again.
        logger.debug({ lease: name, error: errorMessage(error) }, "Lease renewal deferred: the database is busy")
        if (Date.now() < leadership.heldUntil - renewMs) return
      }
      if (renewed) leadership.heldUntil = now + ttlMs
      else await resign("the lease expired before it could be renewed")
      return
    }
    const current = leases.holder(name, now)
    if (current !== undefined && current.holder !== holder) return
    let acquired = false
    try {
      acquired = leases.acquire(name, holder, ttlMs, now)
    } catch {
      return // busy: try at the next tick
    }
    if (acquired) await lead(now + ttlMs)
  }

  async function lead(heldUntil: number): Promise<void> {
    let cursor = cursors.read(name)
    if (cursor === undefined) {
      // Nobody read this engine before: start at the user's `since`, else now, and store it, so a
      // process taking over before the first event still asks for everything since.
      cursor = { position: startPosition(options.since), keys: [] }
      await persist(cursor)
    }
    const repeats = new Map<string, number>()
    for (const key of cursor.keys) repeats.set(key, (repeats.get(key) ?? 0) + 1)
    const state: Leadership = { source: undefined as unknown as DockerEventSource, heldUntil, cursor, repeats, lost: false }
    state.source = options.createSource(formatEngineTime(cursor.position), (delivery) => deliverOnce(state, delivery), hostName)
    leadership = state
    logger.info({ lease: name, since: formatEngineTime(cursor.position) }, "Holding the Docker events lease: this process reads the engine")
    state.source.start()
  }

  async function deliverOnce(state: Leadership, delivery: DockerDelivery): Promise<unknown> {
    if (state.lost || leadership !== state || Date.now() >= state.heldUntil) {
      // Not surely ours any more: leave the event to the next reader (the stored position did not move).
      if (!state.lost) void resign("the lease could not be renewed in time")
      past.skipped += 1
      return undefined
    }
    const time = BigInt(delivery.timeNano)
    const key = eventKey(delivery.event, delivery.timeNano)
    // The engine's `since` is inclusive: it repeats the events of the stored nanosecond, which the
    // previous reader delivered. (An older event is no repeat: `since` filters those; it means the
    // engine's clock went back, and it is delivered, as the source itself does.)
    if (time === state.cursor.position) {
      const left = state.repeats.get(key) ?? 0
      if (left > 0) {
        state.repeats.set(key, left - 1)
        return skip()
      }
    }
    const report = await options.deliver(delivery)
    if (time > state.cursor.position) {
      state.cursor = { position: time, keys: [key] }
      state.repeats.clear()
    } else if (time === state.cursor.position) state.cursor = { position: time, keys: [...state.cursor.keys, key] }
    else return report
    try {
      // Not awaited: stopping the source waits for this very delivery to end.
      if (!(await persist(state.cursor))) void resign("another process holds the lease now")
    } catch (error) {
      lastError = `storing the event position failed: ${errorMessage(error)}`
      logger.error({ lease: name, error: errorMessage(error) }, "Storing the Docker event position failed; a new reader may deliver this event again")
    }
    return report
  }

  function skip(): undefined {
    past.skipped += 1
    return undefined
  }

  async function persist(cursor: StoredCursor): Promise<boolean> {
    return retryWhileBusy(() => cursors.write(name, cursor, { name, holder }), { what: `Event cursor "${name}"` })
  }

  async function resign(reason: string): Promise<void> {
    const state = leadership
    if (state === undefined || state.lost) return
    state.lost = true
    leadership = undefined
    logger.warn({ lease: name, reason }, "Lost the Docker events lease: this process stops reading the engine")
    await stopSource(state)
  }

  async function stopSource(state: Leadership): Promise<void> {
    await state.source.stop()
    const status = state.source.status()
    past.delivered += status.delivered
    past.failed += status.failed
    past.reconnects += status.reconnects
    lastEventAt = status.lastEventAt ?? lastEventAt
    lastError = status.lastError ?? lastError
  }

  function schedule(): void {
    ticking = ticking.then(tick).catch((error: unknown) => {
      logger.error({ lease: name, error: errorMessage(error) }, "Docker events lease check failed")
    })
  }

  return {
    start() {
      if (timer !== undefined) return
      schedule()
      timer = setInterval(schedule, renewMs)
      timer.unref()
    },
    async stop() {
      clearInterval(timer)
      timer = undefined
      await ticking
      const state = leadership
      if (state === undefined) return
      state.lost = true
      leadership = undefined
      await stopSource(state)
      try {
        leases.release(name, holder)
      } catch (error) {
        // Busy: the lease then runs out by itself within the ttl.
        logger.debug({ lease: name, error: errorMessage(error) }, "Releasing the Docker events lease failed; it expires by itself")
      }
    },
    status() {
      const live = leadership?.source.status()
      return {
        connected: live?.connected ?? false,
        delivered: past.delivered + (live?.delivered ?? 0) - past.skipped,
        failed: past.failed + (live?.failed ?? 0),
        queued: live?.queued ?? 0,
        reconnects: past.reconnects + (live?.reconnects ?? 0),
        lastEventAt: live?.lastEventAt ?? lastEventAt,
        lastError: live?.lastError ?? lastError,
        host: options.host,
        hostId: options.hostId,
        hostName,
        leader: leadership !== undefined,
        lease: name,
      }
    },
    setHostName(name) {
      hostName = name
      leadership?.source.setHostName(name)
    },
  }
}

/**
 * The `createSource` of `createDockerHosts`: each host's event source behind its lease (see
 * `createLeasedSource`), named after the engine (`LeaseOptions.scope`).
 */
export function leasedSources(db: DB, holder: string, lease: LeaseOptions, logger: DockerSourceLogger): (options: DockerEventSourceOptions, host: DockerHostConfig) => DockerEventSource {
  return (sourceOptions, host) => {
    const target = parseDockerHost(sourceOptions.host)
    const name = lease.scope === "id" ? `docker:id:${String(host.id)}` : `docker:${target.kind === "unix" ? `${hostname()}:` : ""}${target.host}`
    return createLeasedSource({
      ...(lease.ttlMs === undefined ? {} : { ttlMs: lease.ttlMs }),
      ...(lease.renewMs === undefined ? {} : { renewMs: lease.renewMs }),
      db,
      name,
      holder,
      host: target.host,
      hostId: host.id,
      hostName: host.name,
      since: sourceOptions.since,
      createSource: (since, deliver, hostName) => createDockerEventSource({ ...sourceOptions, since, deliver, hostName }),
      deliver: sourceOptions.deliver,
      logger,
    })
  }
}

/** Where a first reader starts: the given `since` (engine seconds or RFC 3339), else now. */
function startPosition(since: string | undefined): bigint {
  if (since === undefined) return BigInt(Date.now()) * 1_000_000n
  const seconds = /^(\d+)(?:\.(\d{1,9}))?$/.exec(since.trim())
  if (seconds) return BigInt(seconds[1] ?? "0") * 1_000_000_000n + BigInt((seconds[2] ?? "").padEnd(9, "0"))
  return parseEngineTime(since)
}

/** Tells events of one nanosecond apart: what they are about, with every attribute. */
function eventKey(event: DockerEngineEvent, timeNano: string): string {
  const attributes = event.Actor.Attributes ?? {}
  const sorted = Object.keys(attributes)
    .sort()
    .map((attribute) => [attribute, attributes[attribute]])
  return JSON.stringify([timeNano, event.Type, event.Action, event.Actor.ID, event.scope ?? "", sorted])
}
