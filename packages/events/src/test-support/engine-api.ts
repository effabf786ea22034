import { Agent } from "node:http"

import { parseDockerHost } from "../docker-host.ts"
import { decodeEngineEvent, formatEngineTime, parseEngineTime } from "../engine-event.ts"
import { engineJson, engineRequest } from "../engine-request.ts"
import { createLineDecoder } from "../json-lines.ts"

import type { DecodedEngineEvent } from "../engine-event.ts"

/** A small Engine API client for test harnesses: JSON calls, raw bodies, the event history, the clock. */
export interface EngineApi {
  json<T>(method: string, path: string, body?: unknown): Promise<T>
  /** The raw body of a call (recording fixtures keeps the engine's own bytes). */
  raw(method: string, path: string, body?: Buffer): Promise<{ status: number; text: string }>
  /** The engine's clock, from `/info` SystemTime, in nanoseconds. */
  now(): Promise<bigint>
  /** `GET /events?since&until` as the engine's raw text. */
  historyText(since: bigint, until: bigint): Promise<string>
  /** `GET /events?since&until` decoded. */
  history(since: bigint, until: bigint): Promise<DecodedEngineEvent[]>
  close(): void
}

/** @example const api = createEngineApi("unix:///tmp/x/docker.sock"); await api.json("GET", "/_ping") */
export function createEngineApi(host: string): EngineApi {
  const target = parseDockerHost(host)
  // No keep-alive: a harness request must not leave a socket behind for the leak checks.
  const agent = new Agent({ keepAlive: false })
  const api: EngineApi = {
    json: <T>(method: string, path: string, body?: unknown) =>
      engineJson<T>(target, {
        method,
        path,
        agent,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
      }),
    async raw(method, path, body) {
      const response = await engineRequest(target, {
        method,
        path,
        agent,
        ...(body === undefined ? {} : { body, headers: { "Content-Type": "application/x-tar" } }),
      })
      const chunks: Buffer[] = []
      for await (const chunk of response) chunks.push(chunk as Buffer)
      return { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }
    },
    async now() {
      const info = await api.json<{ SystemTime: string }>("GET", "/info")
      return parseEngineTime(info.SystemTime)
    },
    async historyText(since, until) {
      const { status, text } = await api.raw("GET", `/events?since=${formatEngineTime(since)}&until=${formatEngineTime(until)}`)
      if (status !== 200) throw new Error(`GET /events answered ${status}: ${text}`)
      return text
    },
    async history(since, until) {
      const lines = createLineDecoder()
      const text = await api.historyText(since, until)
      return [...lines.push(text), ...lines.end()].map(decodeEngineEvent)
    },
    close: () => agent.destroy(),
  }
  return api
}
