import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { gzipSync } from "node:zlib"
import { isPluginError } from "@dockstat/plugin-schema"
import type { ServerResponse } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fetchHttp } from "./fetch-http.ts"
import type { FetchLimits } from "./fetch-http.ts"
import { startFixtureServer } from "./fixture-server.ts"
import type { FixtureServer } from "./fixture-server.ts"

const LIMITS: FetchLimits = { timeoutMs: 5000, maxBytes: 1024, maxRedirects: 5 }
let server: FixtureServer

beforeAll(async () => {
  server = await startFixtureServer()
})
afterAll(() => server.close())

async function failure(path: string, limits: Partial<FetchLimits> = {}): Promise<{ kind: unknown; message: string }> {
  try {
    await fetchHttp(new URL(path.startsWith("http") ? path : server.url(path)), { ...LIMITS, ...limits }, "*/*")
  } catch (error) {
    if (isPluginError(error)) return { kind: error.data?.kind, message: error.message }
    throw error
  }
  throw new Error(`expected fetching ${path} to fail`)
}

/** Streams "a"s until the client goes away, with no Content-Length. */
function endless(response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/plain" })
  const chunk = Buffer.alloc(16 * 1024, "a")
  const pump = () => {
    while (!response.destroyed && response.write(chunk));
  }
  response.on("drain", pump)
  pump()
}

describe("fetchHttp", () => {
  it("returns the body's bytes, the URL and the content type", async () => {
    server.serve("/ok.json", { headers: { "content-type": "application/json" }, body: '{"a":1}' })
    const fetched = await fetchHttp(new URL(server.url("/ok.json")), LIMITS, "application/json")
    expect(Buffer.from(fetched.bytes).toString()).toBe('{"a":1}')
    expect(fetched.url.href).toBe(server.url("/ok.json"))
    expect(fetched.contentType).toBe("application/json")
  })

  it.each([301, 302, 303, 307, 308])("follows a %i redirect and reports where it ended", async (status) => {
    server.serve(`/moved-${status}`, { status, headers: { location: `/target-${status}/m.yaml` } })
    server.serve(`/target-${status}/m.yaml`, { body: "name: x" })
    const fetched = await fetchHttp(new URL(server.url(`/moved-${status}`)), LIMITS, "*/*")
    expect(fetched.url.href).toBe(server.url(`/target-${status}/m.yaml`))
    expect(Buffer.from(fetched.bytes).toString()).toBe("name: x")
  })

  it("gives up on a redirect loop after maxRedirects", async () => {
    server.serve("/loop-a", { status: 302, headers: { location: "/loop-b" } })
    server.serve("/loop-b", { status: 302, headers: { location: "/loop-a" } })
    const before = server.requests.length
    const { kind, message } = await failure("/loop-a")
    expect(kind).toBe("fetch")
    expect(message).toBe(`too many redirects (more than 5) fetching ${server.url("/loop-a")}`)
    expect(server.requests.length - before).toBe(6)
  })

  it("follows no redirect when maxRedirects is 0", async () => {
    server.serve("/once", { status: 301, headers: { location: "/ok.json" } })
    expect((await failure("/once", { maxRedirects: 0 })).message).toMatch(/too many redirects \(more than 0\)/)
  })

  it("refuses a redirect to a local file", async () => {
    server.serve("/to-file", { status: 302, headers: { location: "file:///etc/passwd" } })
    const { kind, message } = await failure("/to-file")
    expect(kind).toBe("fetch")
    expect(message).toMatch(/redirected to the unsupported scheme "file:"/)
  })

  it("refuses a redirect without a Location", async () => {
    server.serve("/nowhere", { status: 302 })
    expect((await failure("/nowhere")).message).toBe(`HTTP 302 redirect without a valid Location header fetching ${server.url("/nowhere")}`)
  })

  it("reports a non-2xx status with its text and the URL", async () => {
    expect(await failure("/missing")).toEqual({ kind: "fetch", message: `HTTP 404 Not Found fetching ${server.url("/missing")}` })
    server.serve("/broken", { status: 500, body: "oops" })
    expect((await failure("/broken")).message).toBe(`HTTP 500 Internal Server Error fetching ${server.url("/broken")}`)
  })

  it("accepts a body of exactly maxBytes", async () => {
    server.serve("/exact", { body: "a".repeat(1024) })
    expect((await fetchHttp(new URL(server.url("/exact")), LIMITS, "*/*")).bytes.byteLength).toBe(1024)
  })

  it("refuses a body whose Content-Length is over the cap before reading it", async () => {
    server.serve("/declared", { body: "a".repeat(1025) })
    const { kind, message } = await failure("/declared")
    expect(kind).toBe("fetch")
    expect(message).toBe(`response too large: Content-Length is 1025 bytes, over the 1 KiB limit, fetching ${server.url("/declared")}`)
  })

  it("refuses an endless body without Content-Length while streaming it", async () => {
    server.serve("/endless", (_request, response) => endless(response))
    const { kind, message } = await failure("/endless")
    expect(kind).toBe("fetch")
    expect(message).toMatch(/^response too large: more than 1024 bytes streamed, over the 1 KiB limit/)
  })

  it("caps the decompressed size, not the compressed one", async () => {
    const compressed = gzipSync(Buffer.alloc(1024 * 1024, "a"))
    expect(compressed.byteLength).toBeLessThan(1024 * 8)
    server.serve("/gzip-bomb", { headers: { "content-encoding": "gzip" }, body: compressed })
    expect((await failure("/gzip-bomb", { maxBytes: 64 * 1024 })).message).toMatch(/too large/)
  })

  it("times out on a server that never answers, saying after how long", async () => {
    server.serve("/silent", () => undefined)
    const started = performance.now()
    const { kind, message } = await failure("/silent", { timeoutMs: 300 })
    expect(performance.now() - started).toBeLessThan(3000)
    expect(kind).toBe("unreachable")
    expect(message).toBe(`timed out after 300 ms fetching ${server.url("/silent")}`)
  })

  it("times out on a body that stops half way", async () => {
    server.serve("/stalls", (_request, response) => {
      response.writeHead(200, { "content-length": "100" })
      response.write("name: half")
    })
    const { kind, message } = await failure("/stalls", { timeoutMs: 300 })
    expect(kind).toBe("unreachable")
    expect(message).toMatch(/^timed out after 300 ms/)
  })

  it("says the connection was refused", async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const { kind, message } = await failure(`http://127.0.0.1:${port}/m.json`)
    expect(kind).toBe("unreachable")
    expect(message).toBe(`http://127.0.0.1:${port}/m.json is unreachable: connection refused by 127.0.0.1:${port} (ECONNREFUSED)`)
  })

  it("says when the host name does not resolve", async () => {
    // .invalid never resolves (RFC 2606); a sandbox without DNS may time out instead.
    const { kind, message } = await failure("http://plugins.nonexistent.invalid/m.json", { timeoutMs: 3000 })
    expect(kind).toBe("unreachable")
    expect(message).toMatch(/DNS lookup failed for plugins\.nonexistent\.invalid|timed out after 3000 ms/)
  })

  it("says when the server hangs up without answering", async () => {
    server.serve("/hangup", (request) => request.socket.destroy())
    const { kind, message } = await failure("/hangup")
    expect(kind).toBe("unreachable")
    expect(message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hangup is unreachable: 127\.0\.0\.1:\d+ closed the connection without an answer/)
  })
})
