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
import { systemLookup } from "./network-policy.ts"

// The fixture server listens on 127.0.0.1: loopback is allowed here, and refused where a test says so.
const LIMITS: FetchLimits = { timeoutMs: 5000, maxBytes: 1024, maxRedirects: 5, allowPrivateNetwork: true, lookup: systemLookup }
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

  it("refuses a redirect to a URL with credentials, which would be sent as Basic authorization", async () => {
    let reached = false
    server.serve("/secret", (_request, response) => {
      reached = true
      response.end("{}")
    })
    const target = new URL(server.url("/secret"))
    target.username = "admin"
    target.password = "s3cret"
    server.serve("/to-credentials", { status: 302, headers: { location: target.href } })
    const { kind, message } = await failure("/to-credentials")
    expect(kind).toBe("fetch")
    expect(message).toMatch(/redirected to a URL with credentials \(user:password@ 127\.0\.0\.1:\d+\), which is not followed/)
    expect(message).not.toContain("s3cret")
    expect(reached).toBe(false)
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
    expect(performance.now() - started).toBeLessThan(10_000)
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

describe("fetchHttp: which addresses it fetches from", () => {
  const fixturePort = () => new URL(server.url("/")).port

  it.each([
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local and cloud metadata (169.254.0.0/16)"],
    // The URL parser turns decimal, octal and hex hosts into dotted form before anything else sees them.
    ["http://2852039166/latest/", "169.254.169.254", "link-local and cloud metadata (169.254.0.0/16)"],
    ["http://0251.0376.0251.0376/latest/", "169.254.169.254", "link-local and cloud metadata (169.254.0.0/16)"],
    ["http://0xa9.0xfe.0xa9.0xfe/latest/", "169.254.169.254", "link-local and cloud metadata (169.254.0.0/16)"],
    ["http://[::ffff:169.254.169.254]/latest/", "::ffff:a9fe:a9fe", "link-local and cloud metadata (169.254.0.0/16)"],
    ["http://[fe80::1]/m.json", "fe80::1", "link-local (fe80::/10)"],
    ["http://[fd00:ec2::254]/latest/", "fd00:ec2::254", "AWS metadata (fd00:ec2::254/128)"],
    ["http://100.100.100.200/latest/", "100.100.100.200", "Alibaba Cloud metadata (100.100.100.200/32)"],
  ])("always refuses the link-local or metadata literal in %s, even with private networks allowed", async (url, address, range) => {
    const { kind, message } = await failure(url)
    expect(kind).toBe("forbidden-address")
    expect(message).toBe(`Refusing to fetch ${new URL(url).href}: the address is ${address}, in ${range}; the installer never fetches from link-local, cloud metadata or reserved addresses`)
  })

  it("refuses a host name that resolves to a link-local address, and one with any such address among others", async () => {
    const lookup = async (hostname: string) =>
      hostname === "only-metadata.test" ? [{ address: "169.254.169.254", family: 4 }] : [{ address: "93.184.215.14", family: 4 }, { address: "fe80::1", family: 6 }]
    const only = await failure("http://only-metadata.test/m.json", { lookup })
    expect(only).toEqual({ kind: "forbidden-address", message: expect.stringContaining("only-metadata.test resolves to 169.254.169.254, in link-local") })
    const mixed = await failure("http://mixed.test/m.json", { lookup })
    expect(mixed).toEqual({ kind: "forbidden-address", message: expect.stringContaining("mixed.test resolves to fe80::1, in link-local (fe80::/10)") })
  })

  it("refuses loopback when private networks are not allowed, before connecting, saying how to allow it", async () => {
    server.serve("/private.json", { body: "{}" })
    const before = server.requests.length
    const literal = await failure("/private.json", { allowPrivateNetwork: false })
    expect(literal).toEqual({
      kind: "forbidden-address",
      message: `Refusing to fetch ${server.url("/private.json")}: the address is 127.0.0.1, in loopback (127.0.0.0/8); fetching from loopback and private networks is off; allow it with the install option allowPrivateNetwork: true`,
    })
    // By name, through the system resolver: localhost is 127.0.0.1 or ::1.
    const named = await failure(`http://localhost:${fixturePort()}/private.json`, { allowPrivateNetwork: false })
    expect(named.kind).toBe("forbidden-address")
    expect(named.message).toMatch(/: localhost resolves to (127\.0\.0\.1|::1), in loopback .*allowPrivateNetwork: true$/)
    expect(server.requests.length).toBe(before)
  })

  it.each([
    ["10.1.2.3", "private network (10.0.0.0/8)"],
    ["172.20.0.5", "private network (172.16.0.0/12)"],
    ["192.168.1.10", "private network (192.168.0.0/16)"],
    ["100.64.0.7", "CGNAT shared address space (100.64.0.0/10)"],
    ["fd12:3456::1", "unique local (fc00::/7)"],
    ["0.0.0.0", "this host (0.0.0.0/8)"],
  ])("refuses the private address %s when private networks are not allowed", async (address, range) => {
    const { kind, message } = await failure("http://lan-catalog.test/m.json", { allowPrivateNetwork: false, lookup: async () => [{ address, family: address.includes(":") ? 6 : 4 }] })
    expect(kind).toBe("forbidden-address")
    expect(message).toContain(`lan-catalog.test resolves to ${address}, in ${range}; fetching from loopback and private networks is off`)
  })

  it("connects to the address it checked, not to what a second DNS answer would say", async () => {
    server.serve("/pinned.json", (request, response) => {
      response.writeHead(200, { "content-type": "application/json" })
      response.end(JSON.stringify({ host: request.headers.host }))
    })
    // A rebinding resolver: a harmless answer for the check, the metadata address for any later lookup.
    let lookups = 0
    const lookup = async () => (lookups++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "169.254.169.254", family: 4 }])
    const fetched = await fetchHttp(new URL(`http://plugins.rebind.test:${fixturePort()}/pinned.json`), { ...LIMITS, lookup }, "*/*")
    expect(lookups).toBe(1)
    expect(JSON.parse(Buffer.from(fetched.bytes).toString())).toEqual({ host: `plugins.rebind.test:${fixturePort()}` })
  })

  it("checks every redirect hop again", async () => {
    server.serve("/to-metadata", { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/iam/" } })
    expect(await failure("/to-metadata")).toEqual({ kind: "forbidden-address", message: expect.stringMatching(/^Refusing to fetch http:\/\/169\.254\.169\.254\/latest\/meta-data\/iam\/: /) })
    server.serve("/to-named", { status: 307, headers: { location: "http://evil.test/m.json" } })
    const lookup = async (hostname: string) => (hostname === "evil.test" ? [{ address: "fe80::2", family: 6 }] : [{ address: "127.0.0.1", family: 4 }])
    expect((await failure("/to-named", { lookup })).message).toMatch(/evil\.test resolves to fe80::2, in link-local/)
  })
})
