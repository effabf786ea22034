import { isPluginError } from "@dockstat/plugin-schema"
import type { PluginError } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { DEFAULT_MAX_BODY_BYTES, readRouteInput } from "./read-route-input.ts"
import type { ReadRouteInputOptions } from "./read-route-input.ts"

const at: ReadRouteInputOptions = { path: "/items/7", params: { id: "7" } }

function post(body: BodyInit | null, contentType?: string, extra: Record<string, string> = {}): Request {
  const headers = new Headers(extra)
  if (contentType !== undefined) headers.set("content-type", contentType)
  return new Request("http://host.test/1/routes/items/7", { method: "POST", headers, body })
}

/** A streamed (chunked) body: `count` chunks of `size` bytes, recording how many were pulled and whether it was cancelled. */
function countingStream(count: number, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulls = 0
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls === count) return controller.close()
      pulls++
      controller.enqueue(new Uint8Array(size).fill(120))
    },
    cancel() {
      cancelled = true
    },
  }, { highWaterMark: 0 })
  return { stream, pulled: () => pulls, cancelled: () => cancelled }
}

function streamed(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  const init: RequestInit & { duplex: "half" } = { method: "POST", headers, body: stream, duplex: "half" }
  return new Request("http://host.test/x", init)
}

async function rejection(promise: Promise<unknown>): Promise<PluginError> {
  try {
    await promise
  } catch (error) {
    if (isPluginError(error)) return error
    throw error
  }
  throw new Error("expected a PluginError")
}

describe("readRouteInput: request line and headers", () => {
  it("passes the matched path and params through and upper-cases the method", async () => {
    const input = await readRouteInput(new Request("http://host.test/x", { method: "Patch", body: "x" }), at)
    expect(input.method).toBe("PATCH")
    expect(input.path).toBe("/items/7")
    expect(input.params).toEqual({ id: "7" })
  })

  it("refuses a method the host does not know with 405 METHOD_NOT_ALLOWED", async () => {
    const error = await rejection(readRouteInput(new Request("http://host.test/x", { method: "PROPFIND" }), at))
    expect(error.code).toBe("METHOD_NOT_ALLOWED")
    expect(error.status).toBe(405)
    expect(error.message).toContain("PROPFIND")
    expect(error.headers?.Allow).toContain("GET")
  })

  it("parses the query, repeated keys into arrays, and ignores a fragment", async () => {
    const input = await readRouteInput(new Request("http://host.test/x?a=1&b=two%20words&a=2&c=x+y&a=3&empty=#frag"), at)
    expect(input.query).toEqual({ a: ["1", "2", "3"], b: "two words", c: "x y", empty: "" })
  })

  it("gives an empty query when the URL has none", async () => {
    expect((await readRouteInput(new Request("http://host.test/x"), at)).query).toEqual({})
  })

  it("does not let a __proto__ query key change the query object's prototype", async () => {
    const input = await readRouteInput(new Request("http://host.test/x?__proto__=a&__proto__=b"), at)
    expect(Object.getOwnPropertyDescriptor(input.query, "__proto__")?.value).toEqual(["a", "b"])
    expect(Array.isArray(Object.getPrototypeOf(input.query))).toBe(false)
  })

  it("turns headers into a plain object with lower-case names", async () => {
    const request = new Request("http://host.test/x", { headers: { "X-Trace-Id": "abc", Accept: "application/json" } })
    const input = await readRouteInput(request, at)
    expect(input.headers["x-trace-id"]).toBe("abc")
    expect(input.headers.accept).toBe("application/json")
    expect(input.headers["X-Trace-Id"]).toBeUndefined()
  })

  it("produces plain data that survives structured cloning (the worker boundary)", async () => {
    const input = await readRouteInput(post('{"a":[1,2]}', "application/json", { "x-a": "1" }), at)
    expect(structuredClone(input)).toEqual(input)
  })
})

describe("readRouteInput: body by content type", () => {
  it("has no body for GET and HEAD, whatever the headers say", async () => {
    const headers = { "content-type": "application/json" }
    expect((await readRouteInput(new Request("http://host.test/x", { headers }), at)).body).toBeUndefined()
    expect((await readRouteInput(new Request("http://host.test/x", { method: "HEAD", headers }), at)).body).toBeUndefined()
  })

  it("parses a JSON body", async () => {
    expect((await readRouteInput(post('{"name":"café","tags":[1,2]}', "application/json"), at)).body).toEqual({
      name: "café",
      tags: [1, 2],
    })
    expect((await readRouteInput(post("42", "application/json; charset=utf-8"), at)).body).toBe(42)
  })

  it("parses +json types as JSON", async () => {
    expect((await readRouteInput(post('{"op":"add"}', "application/merge-patch+json"), at)).body).toEqual({ op: "add" })
  })

  it("gives undefined for an empty JSON body", async () => {
    expect((await readRouteInput(post("", "application/json"), at)).body).toBeUndefined()
    expect((await readRouteInput(post(null, "application/json"), at)).body).toBeUndefined()
    expect((await readRouteInput(post("  \n", "application/json"), at)).body).toBeUndefined()
  })

  it("answers a malformed JSON body with 400 BAD_REQUEST", async () => {
    const error = await rejection(readRouteInput(post('{"name": ', "application/json"), at))
    expect(error.code).toBe("BAD_REQUEST")
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/^Malformed JSON body: /)
    expect(error.cause).toBeInstanceOf(SyntaxError)
  })

  it.each([
    ["text/plain", "hello"],
    ["text/html; charset=utf-8", "<p>hi</p>"],
    ["text/csv", "a,b\n1,2"],
    ["application/xml", "<a/>"],
    ["image/svg+xml", "<svg/>"],
    ["application/javascript", "export default 1"],
    ["application/x-yaml", "a: 1"],
    ["application/x-ndjson", '{"a":1}\n{"a":2}'],
  ])("reads a %s body as a string", async (type, text) => {
    expect((await readRouteInput(post(text, type), at)).body).toBe(text)
  })

  it("decodes text in the charset the content type names", async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]) // "café" in ISO-8859-1
    expect((await readRouteInput(post(latin1, "text/plain; charset=ISO-8859-1"), at)).body).toBe("café")
  })

  it.each([
    ["application/json", [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]], // {"a":"\xff"}
    ["application/json; charset=utf-8", [0x22, 0xc3, 0x28, 0x22]], // a cut two-byte sequence
    ["text/plain", [0x68, 0x69, 0xed, 0xa0, 0x80]], // an encoded surrogate
    ["(no Content-Type)", [0xf8, 0x88, 0x80, 0x80, 0x80]], // read as UTF-8 text
  ])("refuses a %s body that is not valid UTF-8 with 400, naming it", async (type, bytes) => {
    const request = type.startsWith("(") ? new Request("http://host.test/x", { method: "POST", body: new Uint8Array(bytes) }) : post(new Uint8Array(bytes), type)
    const error = await rejection(readRouteInput(request, at))
    expect({ code: error.code, status: error.status, message: error.message }).toEqual({
      code: "BAD_REQUEST",
      status: 400,
      message: "The request body is not valid UTF-8: it holds an invalid byte sequence",
    })
  })

  it("refuses a charset it cannot decode with 400", async () => {
    expect((await rejection(readRouteInput(post("x", "text/plain; charset=klingon"), at))).code).toBe("BAD_REQUEST")
  })

  it("reads a body without a content type as a string, and no body at all as undefined", async () => {
    const withBody = new Request("http://host.test/x", { method: "POST", body: new Uint8Array([104, 105]) })
    expect(withBody.headers.get("content-type")).toBeNull()
    expect((await readRouteInput(withBody, at)).body).toBe("hi")
    expect((await readRouteInput(new Request("http://host.test/x", { method: "DELETE" }), at)).body).toBeUndefined()
  })

  it("turns a url-encoded form into an object, repeated keys into arrays", async () => {
    const body = new URLSearchParams([["name", "a b"], ["tag", "x"], ["tag", "y"], ["tag", "z"], ["empty", ""]])
    const input = await readRouteInput(post(body), at)
    expect(input.body).toEqual({ name: "a b", tag: ["x", "y", "z"], empty: "" })
  })

  it("turns a multipart form into an object, files into their name, type and size", async () => {
    const form = new FormData()
    form.append("title", "report")
    form.append("tag", "a")
    form.append("tag", "b")
    form.append("file", new Blob(["hello world"], { type: "text/plain" }), "notes.txt")
    const input = await readRouteInput(post(form), at)
    expect(input.body).toEqual({ title: "report", tag: ["a", "b"], file: { name: "notes.txt", type: "text/plain", size: 11 } })
  })

  it("answers a malformed multipart body with 400", async () => {
    const error = await rejection(readRouteInput(post("garbage", "multipart/form-data; boundary=zzz"), at))
    expect(error.code).toBe("BAD_REQUEST")
    expect(error.message).toMatch(/^Malformed multipart body/)
  })

  it("does not let a __proto__ form field change the body's prototype", async () => {
    const input = await readRouteInput(post("__proto__=x&__proto__=y&a=1", "application/x-www-form-urlencoded"), at)
    const body = input.body as Record<string, unknown>
    expect(Object.getOwnPropertyDescriptor(body, "__proto__")?.value).toEqual(["x", "y"])
    expect(body.a).toBe("1")
    expect(Array.isArray(Object.getPrototypeOf(body))).toBe(false)
  })

  it("hands other types over as bytes", async () => {
    const bytes = new Uint8Array([0, 1, 2, 255])
    const input = await readRouteInput(post(bytes, "application/octet-stream"), at)
    expect(input.body).toBeInstanceOf(Uint8Array)
    expect([...(input.body as Uint8Array)]).toEqual([0, 1, 2, 255])
  })

  it("reads a body sent in many chunks in full", async () => {
    const { stream, pulled } = countingStream(5, 1000)
    const input = await readRouteInput(streamed(stream, { "content-type": "text/plain" }), at)
    expect(input.body).toBe("x".repeat(5000))
    expect(pulled()).toBe(5)
  })

  it("answers a body it cannot read with 400", async () => {
    const stream = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(new Error("connection reset")) })
    const error = await rejection(readRouteInput(streamed(stream, { "content-type": "text/plain" }), at))
    expect(error.code).toBe("BAD_REQUEST")
    expect(error.message).toContain("connection reset")
  })
})

describe("readRouteInput: size cap", () => {
  it("accepts a body of exactly the limit", async () => {
    expect((await readRouteInput(post("x".repeat(100), "text/plain"), { ...at, maxBodyBytes: 100 })).body).toHaveLength(100)
  })

  it("refuses a body whose content-length is over the limit with 413, before reading any of it", async () => {
    const { stream, pulled } = countingStream(10, 100)
    const request = streamed(stream, { "content-type": "application/json", "content-length": "1000" })
    const error = await rejection(readRouteInput(request, { ...at, maxBodyBytes: 999 }))
    expect(error.code).toBe("PAYLOAD_TOO_LARGE")
    expect(error.status).toBe(413)
    expect(error.message).toContain("999 bytes")
    expect(pulled()).toBe(0)
  })

  it("refuses a chunked body once it passes the limit, and stops reading it", async () => {
    const { stream, pulled, cancelled } = countingStream(1000, 100)
    const error = await rejection(readRouteInput(streamed(stream, { "content-type": "text/plain" }), { ...at, maxBodyBytes: 450 }))
    expect(error.code).toBe("PAYLOAD_TOO_LARGE")
    expect(error.message).toContain("450 bytes")
    expect(pulled()).toBeLessThan(10)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(cancelled()).toBe(true)
  })

  it("counts the bytes actually sent, even when content-length claims fewer", async () => {
    const request = post("x".repeat(200), "text/plain", { "content-length": "10" })
    expect((await rejection(readRouteInput(request, { ...at, maxBodyBytes: 100 }))).code).toBe("PAYLOAD_TOO_LARGE")
  })

  it("uses 1 MiB when no limit is given", async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1_048_576)
    const fits = await readRouteInput(post(new Uint8Array(DEFAULT_MAX_BODY_BYTES), "application/octet-stream"), at)
    expect((fits.body as Uint8Array).byteLength).toBe(DEFAULT_MAX_BODY_BYTES)
    const error = await rejection(readRouteInput(post(new Uint8Array(DEFAULT_MAX_BODY_BYTES + 1), "application/octet-stream"), at))
    expect(error.code).toBe("PAYLOAD_TOO_LARGE")
    expect(error.message).toContain("1048576")
  })

  it("does not read the body of a GET, however large it claims to be", async () => {
    const request = new Request("http://host.test/x", { headers: { "content-length": "999999999" } })
    expect((await readRouteInput(request, { ...at, maxBodyBytes: 1 })).body).toBeUndefined()
  })
})
