import type PluginHandler from "@dockstat/plugin-handler"
import type { Activity } from "@dockstat/plugin-handler"

import { SseClient, sseFrame } from "./sse-client.ts"

export interface ActivityHubOptions {
  /** Activities kept for clients that connect or reconnect (default 200). */
  history?: number
  /** Activities a new client (no Last-Event-ID) gets first (default 50). */
  replay?: number
  /** Bytes of frames one client may have waiting before the oldest are dropped (default 256 KiB). */
  maxQueueBytes?: number
  /** Clients at once; more get 503 (default 32). */
  maxClients?: number
  /** A comment line to every idle client this often, so proxies and dead peers show up (default 15 s). */
  heartbeatMs?: number
  /** Longest `message`, `error` or `reason` passed on (default 2000 characters). */
  maxFieldChars?: number
}

export interface ActivityHub {
  /** `GET /api/v2/events`: the live feed for one client (503 when `maxClients` are connected). */
  respond(request: Request): Response
  /** Connected clients and what each has waiting (for tests and operators). */
  stats(): { clients: number; queuedBytes: number[]; history: number }
  /** The kept activities, oldest first. */
  recent(): readonly Activity[]
  /** Stops listening and ends every stream (after what it has queued). */
  close(): void
}

const TEXT_FIELDS = ["message", "error", "reason"] as const

/**
 * The handler's activity feed for HTTP clients, over Server-Sent Events: one subscription to
 * `handler.onActivity`, a bounded history (so the page shows what happened before it opened, and a
 * reconnecting EventSource resumes after its Last-Event-ID), and one bounded queue per client.
 */
export function createActivityHub(handler: PluginHandler, options: ActivityHubOptions = {}): ActivityHub {
  const historySize = options.history ?? 200
  const replay = Math.min(options.replay ?? 50, historySize)
  const maxQueueBytes = options.maxQueueBytes ?? 256 * 1024
  const maxClients = options.maxClients ?? 32
  const maxField = options.maxFieldChars ?? 2000
  const history: { activity: Activity; frame: string }[] = []
  const clients = new Set<SseClient>()
  let closed = false

  const stop = handler.onActivity((activity) => {
    const kept = trimmed(activity, maxField)
    // Serialized once for every client.
    const frame = sseFrame("activity", JSON.stringify(kept), kept.seq)
    history.push({ activity: kept, frame })
    if (history.length > historySize) history.shift()
    for (const client of clients) client.send(frame)
  })

  const heartbeat = setInterval(() => {
    for (const client of clients) if (client.idle) client.send(": ping\n\n")
  }, options.heartbeatMs ?? 15_000)
  heartbeat.unref()

  return {
    respond(request) {
      if (closed) return Response.json({ error: "UNAVAILABLE", message: "The server is stopping" }, { status: 503 })
      if (clients.size >= maxClients) {
        return Response.json({ error: "TOO_MANY_CLIENTS", message: `${maxClients} live log clients are connected already; close one` }, { status: 503, headers: { "Retry-After": "10" } })
      }
      const client = new SseClient({ maxQueueBytes, onClose: () => clients.delete(client) })
      clients.add(client)
      // A reconnecting EventSource says what it saw last; a new one gets the latest few.
      const last = Number(request.headers.get("last-event-id") ?? Number.NaN)
      const missed = Number.isSafeInteger(last) && last >= 0 ? history.filter((entry) => entry.activity.seq > last) : history.slice(-replay)
      const firstKept = history[0]?.activity.seq
      client.send(`retry: 3000\n: ${history.length} activities kept, ${missed.length} replayed\n\n`)
      if (Number.isSafeInteger(last) && firstKept !== undefined && firstKept > last + 1) client.send(sseFrame("dropped", JSON.stringify({ dropped: firstKept - last - 1 })))
      for (const entry of missed) client.send(entry.frame)
      return new Response(client.stream, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
      })
    },
    stats: () => ({ clients: clients.size, queuedBytes: [...clients].map((client) => client.queuedBytes), history: history.length }),
    recent: () => history.map((entry) => entry.activity),
    close() {
      if (closed) return
      closed = true
      stop()
      clearInterval(heartbeat)
      for (const client of clients) client.close()
    },
  }
}

/** The activity with its free-text fields cut to `max` characters: a plugin's error message can be any size. */
function trimmed(activity: Activity, max: number): Activity {
  let copy: Record<string, unknown> | undefined
  for (const field of TEXT_FIELDS) {
    const value = (activity as Record<string, unknown>)[field]
    if (typeof value === "string" && value.length > max) {
      copy ??= { ...activity }
      copy[field] = `${value.slice(0, max)}… (${value.length - max} more characters)`
    }
  }
  return (copy ?? activity) as Activity
}
