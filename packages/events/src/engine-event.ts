/** One message of the Engine API's `GET /events` stream, as the engine sends it. */
export interface DockerEngineEvent {
  /** container, image, volume, network, daemon, plugin, node, service, secret, config. */
  Type: string
  /** start, die, health_status: healthy, exec_start: sh -c ..., ... */
  Action: string
  Actor: { ID: string; Attributes?: Record<string, string> }
  scope?: string
  /** Seconds since the epoch. */
  time: number
  /**
   * Nanoseconds since the epoch. JSON.parse rounds this past 2^53 (about 256 ns off): use the exact
   * `timeNano` of the decoded event for comparisons and `since`.
   */
  timeNano: number
  /** Deprecated copies of Action / Actor.ID / image that older API versions still send. */
  status?: string
  id?: string
  from?: string
}

/** An event with what the source needs besides the engine's own fields. */
export interface DecodedEngineEvent {
  event: DockerEngineEvent
  /** Exact nanoseconds since the epoch, read from the raw text (not from the rounded JSON number). */
  timeNano: bigint
  /** Identifies the event among those of the same nanosecond: used to drop repeats after a reconnect. */
  key: string
}

/**
 * Parses one line of the `/events` stream. Throws a SyntaxError or TypeError for a line that is not an
 * engine event; the source logs and skips such lines rather than dropping the connection.
 */
export function decodeEngineEvent(line: string): DecodedEngineEvent {
  const value: unknown = JSON.parse(line)
  if (!isEngineEvent(value)) throw new TypeError(`Not a Docker engine event: ${line.slice(0, 200)}`)
  const event: DockerEngineEvent = { ...value, Actor: { ID: value.Actor.ID, Attributes: value.Actor.Attributes ?? {} } }
  const timeNano = exactTimeNano(line, event)
  return { event, timeNano, key: eventKey(event, timeNano) }
}

/**
 * `since` / `until` query value with full nanosecond precision, the form the engine parses:
 * `1700000000.000000123`.
 */
export function formatEngineTime(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n
  const fraction = nanos % 1_000_000_000n
  return `${seconds}.${fraction.toString().padStart(9, "0")}`
}

/**
 * Nanoseconds since the epoch of an RFC 3339 time with up to nine fractional digits and any offset
 * (the engine's `/info` SystemTime). `Date` alone would keep only milliseconds.
 */
export function parseEngineTime(text: string): bigint {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text.trim())
  if (!match) throw new TypeError(`Not an RFC 3339 time: ${text}`)
  const [, whole = "", fraction = "", zone = "Z"] = match
  const millis = Date.parse(`${whole}${zone.toUpperCase()}`)
  if (Number.isNaN(millis)) throw new TypeError(`Not an RFC 3339 time: ${text}`)
  return BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, "0"))
}

function exactTimeNano(line: string, event: DockerEngineEvent): bigint {
  // An unescaped `"timeNano":<digits>` only occurs as a key: attribute values are strings, in which the
  // quotes would be escaped. The engine writes it last, so take the last one.
  const matches = [...line.matchAll(/"timeNano"\s*:\s*(\d+)/g)]
  const digits = matches.at(-1)?.[1]
  if (digits !== undefined) return BigInt(digits)
  // Engines before API 1.22 send only whole seconds.
  return BigInt(Math.trunc(event.time)) * 1_000_000_000n
}

function eventKey(event: DockerEngineEvent, timeNano: bigint): string {
  const attributes = event.Actor.Attributes ?? {}
  const sorted = Object.keys(attributes)
    .sort()
    .map((name) => [name, attributes[name]])
  return JSON.stringify([String(timeNano), event.Type, event.Action, event.Actor.ID, event.scope ?? "", sorted])
}

function isEngineEvent(value: unknown): value is DockerEngineEvent {
  if (typeof value !== "object" || value === null) return false
  const candidate = value as Record<string, unknown>
  const actor = candidate.Actor as Record<string, unknown> | undefined
  return (
    typeof candidate.Type === "string" &&
    typeof candidate.Action === "string" &&
    typeof actor === "object" &&
    actor !== null &&
    typeof actor.ID === "string" &&
    typeof candidate.time === "number"
  )
}
