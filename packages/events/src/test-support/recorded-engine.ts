import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Socket } from "node:net"

import { decodeEngineEvent, formatEngineTime } from "../engine-event.ts"

/** How the imitation writes the event stream: as the engine does, many lines per write, or in shards. */
export type Chunking = "lines" | "merged" | "shards"

export interface RecordedEngineOptions {
  chunking?: Chunking
  /** A unix socket in a temp dir (default), or plain HTTP on a loopback port like `tcp://` DOCKER_HOSTs. */
  transport?: "unix" | "tcp"
  /** The inspect answer the containers are built from (recorded from a real engine). */
  inspectTemplate?: Record<string, unknown>
}

/**
 * A stand-in for the Docker engine: real HTTP on a real unix socket in a temp dir, serving `/_ping`,
 * `/info`, `/events` (with the engine's inclusive `since` and `until`) and `/containers/{id}/json`
 * (a container's state follows the events emitted for it, as the engine's would).
 */
export interface RecordedEngine {
  host: string
  /**
   * Stamps the lines with the imitation's clock, keeps them in the history and streams them live.
   * `at` gives them all one given time, which real engines do rarely but the source must survive.
   */
  emit(lines: readonly string[], options?: { at?: bigint }): void
  /** Writes raw bytes to the open streams, one write per chunk, kept out of the history: a broken engine. */
  emitRaw(chunks: readonly (string | Uint8Array)[]): void
  /** The engine dies: the server stops listening and every open connection is cut mid-stream. */
  goAway(): Promise<void>
  /** The engine is back on the same socket, with its history (unlike a real restart, which forgets it). */
  comeBack(): Promise<void>
  /** The engine's clock in nanoseconds (what `/info` answers as SystemTime). */
  now(): bigint
  /** Request paths received, oldest first. */
  readonly requests: readonly string[]
  close(): Promise<void>
}

interface Stored {
  line: string
  timeNano: bigint
}

/** @example const engine = await createRecordedEngine(); createDockerEventSource({ host: engine.host, deliver }) */
export async function createRecordedEngine(options: RecordedEngineOptions = {}): Promise<RecordedEngine> {
  const dir = mkdtempSync(join(tmpdir(), "dockstat-engine-"))
  const socketPath = join(dir, "engine.sock")
  const chunking = options.chunking ?? "lines"
  const history: Stored[] = []
  const containers = new Map<string, Record<string, unknown>>()
  const subscribers = new Set<ServerResponse>()
  const sockets = new Set<Socket>()
  const requests: string[] = []
  let lastNano = 0n
  let server: Server | undefined
  let port = 0

  const clock = (): bigint => {
    const now = BigInt(Date.now()) * 1_000_000n
    lastNano = now > lastNano ? now : lastNano + 1_000n
    return lastNano
  }

  function write(response: ServerResponse, lines: readonly string[]): void {
    const text = lines.map((line) => `${line}\n`).join("")
    if (chunking === "merged") {
      response.write(text)
      return
    }
    if (chunking === "lines") {
      for (const line of lines) response.write(`${line}\n`)
      return
    }
    // Shards of 7 bytes: lines and multi-byte characters are cut at arbitrary places.
    const bytes = Buffer.from(text, "utf8")
    for (let offset = 0; offset < bytes.length; offset += 7) response.write(bytes.subarray(offset, offset + 7))
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://engine")
    requests.push(`${request.method} ${url.pathname}${url.search}`)
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { "Content-Type": "application/json" })
      response.end(JSON.stringify(body))
    }
    if (url.pathname === "/_ping") {
      response.end("OK")
      return
    }
    if (url.pathname === "/info") {
      json(200, { ID: "RECORDED", SystemTime: rfc3339(clock()) })
      return
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(url.pathname)
    if (inspect) {
      const container = containers.get(decodeURIComponent(inspect[1] ?? ""))
      if (container) json(200, container)
      else json(404, { message: `No such container: ${inspect[1]}` })
      return
    }
    if (url.pathname === "/events") {
      const since = parseTime(url.searchParams.get("since"))
      const until = parseTime(url.searchParams.get("until"))
      response.writeHead(200, { "Content-Type": "application/json" })
      response.flushHeaders()
      const buffered = since === undefined && until === undefined ? [] : history.filter((stored) => (since === undefined || stored.timeNano >= since) && (until === undefined || stored.timeNano <= until))
      if (buffered.length > 0) write(response, buffered.map((stored) => stored.line))
      if (until !== undefined && until <= clock()) {
        response.end()
        return
      }
      subscribers.add(response)
      response.once("close", () => subscribers.delete(response))
      return
    }
    json(404, { message: "page not found" })
  }

  function track(line: string): void {
    let event
    try {
      event = decodeEngineEvent(line).event
    } catch {
      // Tests send broken lines on purpose; the engine has nothing to track for them.
      return
    }
    if (event.Type !== "container") return
    const attributes = event.Actor.Attributes ?? {}
    const id = event.Actor.ID
    const current = containers.get(id)
    const action = event.Action.split(":", 1)[0]
    if (action === "destroy") {
      containers.delete(id)
      return
    }
    // A container the engine never created (or already removed) cannot be inspected.
    if (current === undefined && action !== "create") return
    const template = structuredClone(options.inspectTemplate ?? {})
    const container: Record<string, unknown> = current ?? {
      ...template,
      Id: id,
      Name: `/${attributes.name ?? id.slice(0, 12)}`,
      Config: { ...(template.Config as object | undefined), Image: attributes.image ?? "", Labels: labelsOf(attributes) },
      State: { ...(template.State as object | undefined), Status: "created", Running: false, ExitCode: 0 },
    }
    const state = container.State as Record<string, unknown>
    if (action === "start" || action === "restart" || action === "unpause") Object.assign(state, { Status: "running", Running: true, Paused: false })
    if (action === "pause") Object.assign(state, { Status: "paused", Paused: true })
    if (action === "die") Object.assign(state, { Status: "exited", Running: false, ExitCode: Number(attributes.exitCode ?? 0) })
    if (action === "rename" && attributes.name !== undefined) container.Name = `/${attributes.name}`
    containers.set(id, container)
  }

  async function listen(): Promise<void> {
    rmSync(socketPath, { force: true })
    const next = createServer(handle)
    next.on("connection", (socket: Socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject)
      if (options.transport === "tcp") next.listen(port, "127.0.0.1", () => resolve())
      else next.listen(socketPath, () => resolve())
    })
    const address = next.address()
    if (typeof address === "object" && address !== null) port = address.port
    server = next
  }

  async function goAway(): Promise<void> {
    const current = server
    server = undefined
    if (current === undefined) return
    const closed = new Promise<void>((resolve) => current.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    subscribers.clear()
    await closed
  }

  await listen()
  return {
    host: options.transport === "tcp" ? `tcp://127.0.0.1:${port}` : `unix://${socketPath}`,
    requests,
    now: clock,
    emit(lines, emitOptions = {}) {
      const stamped = lines.map((line) => {
        const timeNano = emitOptions.at ?? clock()
        const seconds = timeNano / 1_000_000_000n
        const restamped = line.replace(/"time":\d+/, `"time":${seconds}`).replace(/"timeNano":\d+/, `"timeNano":${timeNano}`)
        return { line: restamped, timeNano }
      })
      for (const stored of stamped) {
        history.push(stored)
        track(stored.line)
      }
      for (const response of subscribers) write(response, stamped.map((stored) => stored.line))
    },
    emitRaw(chunks) {
      for (const response of subscribers) for (const chunk of chunks) response.write(chunk)
    },
    goAway,
    comeBack: listen,
    async close() {
      await goAway()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const NOT_LABELS = new Set(["name", "image", "exitCode", "signal", "oldName", "execID", "execDuration"])

function labelsOf(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !NOT_LABELS.has(name)))
}

function parseTime(value: string | null): bigint | undefined {
  if (value === null || value === "") return undefined
  const [seconds = "0", fraction = ""] = value.split(".")
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0").slice(0, 9))
}

function rfc3339(nanos: bigint): string {
  const iso = new Date(Number(nanos / 1_000_000n)).toISOString().slice(0, 19)
  return `${iso}.${formatEngineTime(nanos).split(".")[1]}Z`
}
