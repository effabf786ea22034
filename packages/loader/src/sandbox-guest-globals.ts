/**
 * Web-standard globals without authority, for code inside the sandbox (QuickJS has none of them):
 * TextEncoder/TextDecoder, atob/btoa, structuredClone, URL/URLSearchParams, crypto.randomUUID and
 * getRandomValues, timers, console and a permission-gated fetch. Whatever needs the host (URL parsing,
 * randomness, timers, fetch) goes through the host functions handed in; nothing else is reachable.
 */
import { base64ToBytes, bytesToBase64, decodeValue, encodeValue } from "./sandbox-codec.ts"

export interface HostFunctions {
  log(level: string, args: string): void
  table(ops: string): string
  /** The answer's text alone (a failure), or its text and the body's bytes. */
  fetch(request: string): Promise<string | [string, ArrayBuffer]>
  timer(id: number, ms: number): void
  clearTimer(id: number): void
  url(href: string, base: string | undefined): string
  random(length: number): string
  /** The headers of route call `call`, as JSON text. */
  headers(call: number): string
}

export interface GuestTimers {
  fire(id: number): void
}

function utf8Encode(text: string): Uint8Array {
  const out: number[] = []
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index)
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00)
        index++
      } else code = 0xfffd
    } else if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd
    if (code < 0x80) out.push(code)
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63))
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63))
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63))
  }
  return new Uint8Array(out)
}

function utf8Decode(bytes: Uint8Array, fatal: boolean): string {
  let out = ""
  let index = 0
  const bad = () => {
    if (fatal) throw new TypeError("The encoded data was not valid UTF-8")
    out += "\ufffd"
  }
  while (index < bytes.length) {
    const first = bytes[index] as number
    const need = first < 0x80 ? 0 : first >= 0xf0 && first <= 0xf4 ? 3 : first >= 0xe0 && first < 0xf0 ? 2 : first >= 0xc2 && first < 0xe0 ? 1 : -1
    if (need === 0) {
      out += String.fromCharCode(first)
      index++
      continue
    }
    if (need < 0) {
      bad()
      index++
      continue
    }
    let code = first & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07)
    let ok = true
    for (let k = 1; k <= need; k++) {
      const next = bytes[index + k]
      if (next === undefined || (next & 0xc0) !== 0x80) {
        ok = false
        break
      }
      code = (code << 6) | (next & 63)
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000
    if (!ok || code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      bad()
      index++
      continue
    }
    out += String.fromCodePoint(code)
    index += need + 1
  }
  return out
}

function toBytes(input: unknown): Uint8Array {
  if (input === undefined) return new Uint8Array(0)
  if (input instanceof Uint8Array) return input
  if (input instanceof ArrayBuffer) return new Uint8Array(input)
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
  throw new TypeError("expected an ArrayBuffer or a typed array")
}

function clone(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value === "function" || typeof value === "symbol") throw new TypeError(`${String(value)} could not be cloned`)
  if (typeof value !== "object" || value === null) return value
  if (seen.has(value)) return seen.get(value)
  if (value instanceof Date) return new Date(value.getTime())
  if (value instanceof RegExp) return new RegExp(value.source, value.flags)
  if (value instanceof Uint8Array) return new Uint8Array(value)
  if (value instanceof ArrayBuffer) return value.slice(0)
  if (value instanceof Map) {
    const out = new Map()
    seen.set(value, out)
    for (const [key, item] of value) out.set(clone(key, seen), clone(item, seen))
    return out
  }
  if (value instanceof Set) {
    const out = new Set()
    seen.set(value, out)
    for (const item of value) out.add(clone(item, seen))
    return out
  }
  const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {}
  seen.set(value, out)
  for (const key of Object.keys(value)) (out as Record<string, unknown>)[key] = clone((value as Record<string, unknown>)[key], seen)
  return out
}

class GuestURLSearchParams {
  #pairs: [string, string][] = []
  constructor(init?: string | Record<string, string> | [string, string][]) {
    if (typeof init === "string") {
      for (const part of (init.startsWith("?") ? init.slice(1) : init).split("&")) {
        if (part === "") continue
        const at = part.indexOf("=")
        const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, " "))
        this.#pairs.push(at === -1 ? [decode(part), ""] : [decode(part.slice(0, at)), decode(part.slice(at + 1))])
      }
    } else if (Array.isArray(init)) {
      for (const [key, value] of init) this.#pairs.push([String(key), String(value)])
    } else if (init) {
      for (const key of Object.keys(init)) this.#pairs.push([key, String(init[key])])
    }
  }
  get(name: string): string | null {
    return this.#pairs.find(([key]) => key === name)?.[1] ?? null
  }
  getAll(name: string): string[] {
    return this.#pairs.filter(([key]) => key === name).map(([, value]) => value)
  }
  has(name: string): boolean {
    return this.#pairs.some(([key]) => key === name)
  }
  set(name: string, value: string): void {
    this.delete(name)
    this.#pairs.push([name, String(value)])
  }
  append(name: string, value: string): void {
    this.#pairs.push([name, String(value)])
  }
  delete(name: string): void {
    this.#pairs = this.#pairs.filter(([key]) => key !== name)
  }
  forEach(fn: (value: string, key: string) => void): void {
    for (const [key, value] of this.#pairs) fn(value, key)
  }
  entries(): IterableIterator<[string, string]> {
    return this.#pairs.map(([key, value]) => [key, value] as [string, string])[Symbol.iterator]()
  }
  keys(): IterableIterator<string> {
    return this.#pairs.map(([key]) => key)[Symbol.iterator]()
  }
  values(): IterableIterator<string> {
    return this.#pairs.map(([, value]) => value)[Symbol.iterator]()
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }
  toString(): string {
    const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, "+")
    return this.#pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join("&")
  }
}

const URL_PARTS = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"] as const
type UrlParts = Record<(typeof URL_PARTS)[number], string>

function guestUrlClass(host: HostFunctions) {
  return class GuestURL {
    #parts: UrlParts
    constructor(href: string | { href: string }, base?: string | { href: string }) {
      const text = typeof href === "string" ? href : String(href?.href ?? href)
      const baseText = base === undefined ? undefined : typeof base === "string" ? base : String(base.href)
      const parsed = JSON.parse(host.url(text, baseText)) as UrlParts | { error: string }
      if ("error" in parsed) throw new TypeError(parsed.error)
      this.#parts = parsed
    }
    static canParse(href: string, base?: string): boolean {
      try {
        new GuestURL(href, base)
        return true
      } catch {
        return false
      }
    }
    get href() {
      return this.#parts.href
    }
    get origin() {
      return this.#parts.origin
    }
    get protocol() {
      return this.#parts.protocol
    }
    get username() {
      return this.#parts.username
    }
    get password() {
      return this.#parts.password
    }
    get host() {
      return this.#parts.host
    }
    get hostname() {
      return this.#parts.hostname
    }
    get port() {
      return this.#parts.port
    }
    get pathname() {
      return this.#parts.pathname
    }
    get search() {
      return this.#parts.search
    }
    get hash() {
      return this.#parts.hash
    }
    get searchParams() {
      return new GuestURLSearchParams(this.#parts.search)
    }
    toString() {
      return this.#parts.href
    }
    toJSON() {
      return this.#parts.href
    }
  }
}

class GuestHeaders {
  #map = new Map<string, string>()
  constructor(init?: Record<string, string> | [string, string][] | GuestHeaders) {
    if (init instanceof GuestHeaders) init.forEach((value, key) => this.set(key, value))
    else if (Array.isArray(init)) for (const [key, value] of init) this.append(key, value)
    else if (init) for (const key of Object.keys(init)) this.set(key, String(init[key]))
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase())
  }
  set(name: string, value: string): void {
    this.#map.set(name.toLowerCase(), String(value))
  }
  append(name: string, value: string): void {
    const key = name.toLowerCase()
    const current = this.#map.get(key)
    this.#map.set(key, current === undefined ? String(value) : `${current}, ${value}`)
  }
  delete(name: string): void {
    this.#map.delete(name.toLowerCase())
  }
  forEach(fn: (value: string, key: string) => void): void {
    for (const [key, value] of this.#map) fn(value, key)
  }
  entries(): IterableIterator<[string, string]> {
    return this.#map.entries()
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries()
  }
  toObject(): Record<string, string> {
    return Object.fromEntries(this.#map)
  }
}

class GuestResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: GuestHeaders
  readonly url: string
  readonly redirected: boolean
  #bytes: Uint8Array
  #used = false
  constructor(bytes: Uint8Array, init: { status: number; statusText: string; headers: Record<string, string>; url: string; redirected: boolean }) {
    this.#bytes = bytes
    this.status = init.status
    this.statusText = init.statusText
    this.headers = new GuestHeaders(init.headers)
    this.url = init.url
    this.redirected = init.redirected
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }
  get bodyUsed(): boolean {
    return this.#used
  }
  #take(): Uint8Array {
    if (this.#used) throw new TypeError("Body is unusable: the body has already been read")
    this.#used = true
    return this.#bytes
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take()
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  }
  async bytes(): Promise<Uint8Array> {
    return this.#take()
  }
  async text(): Promise<string> {
    return utf8Decode(this.#take(), false)
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }
}

/** Installs the globals on the sandbox's global object; returns what the runtime needs to drive timers. */
export function installGlobals(global: Record<string, unknown>, host: HostFunctions, log: (level: string, args: unknown[]) => void): GuestTimers {
  const define = (name: string, value: unknown) => Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false })

  define(
    "TextEncoder",
    class TextEncoder {
      readonly encoding = "utf-8"
      encode(text = ""): Uint8Array {
        return utf8Encode(String(text))
      }
    },
  )
  define(
    "TextDecoder",
    class TextDecoder {
      readonly encoding = "utf-8"
      readonly fatal: boolean
      constructor(label = "utf-8", options: { fatal?: boolean } = {}) {
        if (!/^utf-?8$/i.test(String(label))) throw new RangeError(`The encoding "${label}" is not supported in the sandbox (only utf-8)`)
        this.fatal = Boolean(options.fatal)
      }
      decode(input?: unknown): string {
        return utf8Decode(toBytes(input), this.fatal)
      }
    },
  )
  define("btoa", (text: string) => {
    const value = String(text)
    const bytes = new Uint8Array(value.length)
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index)
      if (code > 255) throw new Error("btoa: the string contains characters outside of the Latin1 range")
      bytes[index] = code
    }
    return bytesToBase64(bytes)
  })
  define("atob", (text: string) => {
    let out = ""
    for (const byte of base64ToBytes(String(text))) out += String.fromCharCode(byte)
    return out
  })
  define("structuredClone", (value: unknown) => clone(value, new Map()))
  define("URLSearchParams", GuestURLSearchParams)
  define("URL", guestUrlClass(host))
  define("Headers", GuestHeaders)
  define("crypto", {
    getRandomValues<T extends ArrayBufferView>(array: T): T {
      if (array.byteLength > 65536) throw new Error("getRandomValues: at most 65536 bytes at a time")
      const bytes = base64ToBytes(host.random(array.byteLength))
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes)
      return array
    },
    randomUUID(): string {
      const bytes = base64ToBytes(host.random(16))
      bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40
      bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
      const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    },
  })
  define("console", {
    log: (...args: unknown[]) => log("info", args),
    info: (...args: unknown[]) => log("info", args),
    debug: (...args: unknown[]) => log("debug", args),
    trace: (...args: unknown[]) => log("trace", args),
    warn: (...args: unknown[]) => log("warn", args),
    error: (...args: unknown[]) => log("error", args),
  })

  // Timers run on the host's clock; the host clears every one when the plugin's calls are over.
  const timers = new Map<number, { fn: (...args: unknown[]) => void; args: unknown[]; every: number | null }>()
  let nextTimer = 0
  const schedule = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    if (typeof fn !== "function") throw new TypeError("the callback must be a function")
    const delay = Math.max(0, Number(ms) || 0)
    nextTimer += 1
    timers.set(nextTimer, { fn: fn as (...args: unknown[]) => void, args, every: repeat ? Math.max(1, delay) : null })
    host.timer(nextTimer, delay)
    return nextTimer
  }
  const clear = (id: unknown) => {
    if (typeof id === "number" && timers.delete(id)) host.clearTimer(id)
  }
  define("setTimeout", (fn: unknown, ms?: unknown, ...args: unknown[]) => schedule(fn, ms, args, false))
  define("setInterval", (fn: unknown, ms?: unknown, ...args: unknown[]) => schedule(fn, ms, args, true))
  define("clearTimeout", clear)
  define("clearInterval", clear)
  define("queueMicrotask", (fn: () => void) => void Promise.resolve().then(fn))

  define("fetch", async (input: unknown, init: { method?: string; headers?: unknown; body?: unknown; redirect?: string } = {}) => {
    const url = typeof input === "string" ? input : String((input as { href?: string; url?: string })?.url ?? (input as { href?: string })?.href ?? input)
    const headers = init.headers instanceof GuestHeaders ? init.headers.toObject() : new GuestHeaders(init.headers as Record<string, string>).toObject()
    let body: string | undefined
    if (init.body !== undefined && init.body !== null) {
      body = typeof init.body === "string" ? bytesToBase64(utf8Encode(init.body)) : bytesToBase64(toBytes(init.body))
    }
    const reply = await host.fetch(encodeValue({ url, method: init.method ?? "GET", headers, body, redirect: init.redirect ?? "follow" }))
    const answer = decodeValue(typeof reply === "string" ? reply : reply[0]) as
      | { error: string }
      | { status: number; statusText: string; headers: Record<string, string>; url: string; redirected: boolean }
    if ("error" in answer) throw new TypeError(answer.error)
    return new GuestResponse(typeof reply === "string" ? new Uint8Array(0) : new Uint8Array(reply[1]), answer)
  })
  define("Response", GuestResponse)

  return {
    fire(id: number) {
      const timer = timers.get(id)
      if (!timer) return
      if (timer.every === null) timers.delete(id)
      else host.timer(id, timer.every)
      timer.fn(...timer.args)
    },
  }
}
