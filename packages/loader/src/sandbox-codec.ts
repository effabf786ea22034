/**
 * Values crossing the sandbox boundary travel as JSON text, with Dates and byte arrays tagged so they
 * come back as what they were (a date column decodes to a Date, a blob column to bytes). Used on both
 * sides: the host and the guest bundle; no Node built-ins.
 */
// Taken once: code in the sandbox may replace JSON's methods, and the runtime's own answers must not change.
const stringify = JSON.stringify
const parse = JSON.parse

const DATE = "__dockstat_date__"
const BYTES = "__dockstat_bytes__"
const UNDEFINED = "__dockstat_undefined__"
const REGEXP = "__dockstat_regexp__"

/**
 * A RegExp a sandboxed plugin sent (for whereRgx): its source and flags as data, never compiled on the
 * host. The sandbox replay turns it into a matcher that runs the pattern inside the sandbox.
 */
export class RegExpSpec {
  readonly source: string
  readonly flags: string
  constructor(source: string, flags: string) {
    this.source = source
    this.flags = flags
    Object.freeze(this)
  }
  /** JSON of a RegExp is `{}`; so is this. */
  toJSON(): Record<string, never> {
    return {}
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const LOOKUP = new Uint8Array(128)
for (let index = 0; index < ALPHABET.length; index++) LOOKUP[ALPHABET.charCodeAt(index)] = index

export function bytesToBase64(bytes: Uint8Array): string {
  let out = ""
  let index = 0
  for (; index + 2 < bytes.length; index += 3) {
    const n = ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8) | (bytes[index + 2] as number)
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - index
  if (rest === 1) {
    const n = (bytes[index] as number) << 16
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + "=="
  } else if (rest === 2) {
    const n = ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8)
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + "="
  }
  return out
}

export function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/[\s=]+/g, "")
  if (/[^A-Za-z0-9+/]/.test(clean) || clean.length % 4 === 1) throw new Error("invalid base64")
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4))
  let bits = 0
  let value = 0
  let at = 0
  for (let index = 0; index < clean.length; index++) {
    value = (value << 6) | (LOOKUP[clean.charCodeAt(index)] as number)
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[at++] = (value >> bits) & 255
    }
  }
  return out
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key]
  if (raw instanceof Date) return { [DATE]: Number.isNaN(raw.getTime()) ? null : raw.toISOString() }
  if (raw instanceof Uint8Array) return { [BYTES]: bytesToBase64(raw) }
  if (raw instanceof ArrayBuffer) return { [BYTES]: bytesToBase64(new Uint8Array(raw)) }
  return value
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>
    if (DATE in record) return new Date(typeof record[DATE] === "string" ? record[DATE] : Number.NaN)
    if (BYTES in record && typeof record[BYTES] === "string") return base64ToBytes(record[BYTES])
    if (UNDEFINED in record) return undefined
    if (REGEXP in record) {
      const spec = record[REGEXP] as { source?: unknown; flags?: unknown } | null
      return new RegExpSpec(typeof spec?.source === "string" ? spec.source : "", typeof spec?.flags === "string" ? spec.flags : "")
    }
  }
  return value
}

/** JSON text of a value, Dates and bytes tagged. `undefined` at the top survives too. */
export function encodeValue(value: unknown): string {
  if (value === undefined) return `{"${UNDEFINED}":1}`
  return stringify(value, replacer) ?? `{"${UNDEFINED}":1}`
}

function taggedDate(this: Date): unknown {
  return { [DATE]: Number.isNaN(this.getTime()) ? null : this.toISOString() }
}

function taggedBytes(this: Uint8Array): unknown {
  return { [BYTES]: bytesToBase64(this) }
}

function taggedRegExp(this: RegExp): unknown {
  return { [REGEXP]: { source: this.source, flags: this.flags } }
}

let tagging = false

/**
 * `encodeValue` for the sandbox's side: the interpreter runs a replacer function once per value, which
 * costs more than the whole native stringify. Instead `installGuestTags()` gives Date and Uint8Array a
 * `toJSON` that tags them while this function runs and behaves as the standard one otherwise.
 */
export function encodeGuestValue(value: unknown): string {
  if (value === undefined) return `{"${UNDEFINED}":1}`
  tagging = true
  try {
    return stringify(value) ?? `{"${UNDEFINED}":1}`
  } finally {
    tagging = false
  }
}

/** Once, in the sandbox's own realm, before any plugin code runs. */
export function installGuestTags(): void {
  const dateToJSON = Date.prototype.toJSON
  Object.defineProperty(Date.prototype, "toJSON", {
    value: function toJSON(this: Date, key: string) {
      return tagging ? taggedDate.call(this) : dateToJSON.call(this, key)
    },
    writable: true,
    configurable: true,
  })
  Object.defineProperty(RegExp.prototype, "toJSON", {
    value: function toJSON(this: RegExp) {
      // Outside the runtime's own encoding, the standard JSON of a RegExp: {}.
      return tagging ? taggedRegExp.call(this) : {}
    },
    writable: true,
    configurable: true,
  })
  Object.defineProperty(Uint8Array.prototype, "toJSON", {
    value: function toJSON(this: Uint8Array) {
      if (tagging) return taggedBytes.call(this)
      // The standard shape of a typed array in JSON: an object keyed by index.
      const out: Record<string, number> = {}
      for (let index = 0; index < this.length; index++) out[index] = this[index] as number
      return out
    },
    writable: true,
    configurable: true,
  })
}

/**
 * The guest's answer to a call that succeeded, `{ ok: true, value }` as JSON text. The interpreter's
 * stringify costs about 1 us per object level, so the envelope is written as text around the value's
 * JSON instead of being stringified with it (a value JSON cannot hold leaves `value` out, as before).
 */
export function encodeGuestOk(value: unknown): string {
  if (value === undefined) return OK_EMPTY
  tagging = true
  let text: string | undefined
  try {
    text = stringify(value)
  } finally {
    tagging = false
  }
  return text === undefined ? OK_EMPTY : `{"ok":true,"value":${text}}`
}

const OK_EMPTY = '{"ok":true}'

/**
 * A route call's request as the guest gets it. The interpreter's JSON.parse costs ~3 us for even a small
 * request; a request with no params, no query and no body (most GETs) travels as `\u0001<method> <path>`
 * instead, which the guest splits. A method has no space, and a JSON text never starts with \u0001.
 */
export interface GuestRouteInput {
  method: string
  path: string
  params: Record<string, string>
  query: Record<string, string | string[]>
  body: unknown
}

const BARE_REQUEST = "\u0001"

function isEmptyRecord(value: object): boolean {
  for (const _key in value) return false
  return true
}

export function encodeRouteInput(input: GuestRouteInput): string {
  const { method, path, params, query, body } = input
  if (body === undefined && isEmptyRecord(params) && isEmptyRecord(query) && !method.includes(" ")) return `${BARE_REQUEST}${method} ${path}`
  const rest = { method, path, params, query, body }
  // A body that is not an object (none, text, a number) cannot hold a Date or bytes: the plain (fast) stringify does.
  return typeof body === "object" && body !== null ? encodeValue(rest) : stringify(rest)
}

export function decodeRouteInput(text: string): GuestRouteInput {
  if (text.charCodeAt(0) !== 1) return decodeValue(text) as GuestRouteInput
  const space = text.indexOf(" ")
  return { method: text.slice(1, space), path: text.slice(space + 1), params: {}, query: {}, body: undefined }
}

export function decodeValue(text: string): unknown {
  // Most values carry no tag: skip the reviver (a call per value) when none can be there.
  return text.includes("__dockstat_") ? parse(text, reviver) : parse(text)
}
