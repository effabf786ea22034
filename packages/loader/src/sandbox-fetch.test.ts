import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import { gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import type { AddressInfo } from "node:net"

import { createSandboxFetch } from "./sandbox-fetch.ts"
import { addressRefusal } from "./sandbox-http.ts"
import type { ResolveAll } from "./sandbox-http.ts"

const seen: { url: string; host: string | undefined; encoding: string | undefined }[] = []
/** What `/echo` received: method and the headers a redirect may have to drop. */
const echoed: { method: string; authorization?: string | undefined; cookie?: string | undefined; proxy?: string | undefined; type?: string | undefined; custom?: string | undefined }[] = []
/** What `/body` received: method, framing and body. */
const bodies: { method: string; length: string | undefined; chunked: string | undefined; body: string }[] = []
const server = createServer((request, response) => {
  seen.push({ url: request.url ?? "", host: request.headers.host, encoding: request.headers["accept-encoding"] })
  const redirect = /^\/redirect\/(\d{3})\/(same|other)$/.exec(request.url ?? "")
  if (redirect) {
    const target = redirect[2] === "same" ? "/echo" : `http://localhost:${port}/echo`
    request.resume()
    response.writeHead(Number(redirect[1]), { location: target }).end()
  } else if (request.url === "/echo") {
    const { authorization, cookie, "proxy-authorization": proxy, "content-type": type, "x-custom": custom } = request.headers
    echoed.push({ method: request.method ?? "", authorization, cookie, proxy, type, custom: custom as string | undefined })
    request.resume()
    response.writeHead(200).end("echo")
  } else if (request.url === "/body") {
    const chunks: Buffer[] = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      bodies.push({ method: request.method ?? "", length: request.headers["content-length"], chunked: request.headers["transfer-encoding"], body: Buffer.concat(chunks).toString() })
      response.writeHead(200).end("ok")
    })
  } else if (request.url === "/gzip") response.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" }).end(gzipSync("unzipped"))
  else if (request.url === "/gzip-cut") {
    // Half a compressed body, then the connection breaks.
    const zipped = gzipSync(randomBytes(600))
    response.writeHead(200, { "content-encoding": "gzip", "content-length": String(zipped.length) })
    response.write(zipped.subarray(0, zipped.length >> 1), () => response.destroy())
  }
  else response.writeHead(200, { "content-type": "text/plain", "set-cookie": ["a=1", "b=2"] }).end("hello")
})
let port = 0
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const answerOf = async (fetcher: ReturnType<typeof createSandboxFetch>, url: string, headers: Record<string, string> = {}) => {
  const answer = await fetcher(JSON.stringify({ url, method: "GET", headers, redirect: "follow" }), new AbortController().signal)
  return { meta: JSON.parse(answer.text) as Record<string, unknown>, body: answer.body === undefined ? undefined : Buffer.from(answer.body).toString() }
}

const send = (fetcher: ReturnType<typeof createSandboxFetch>, request: { url: string; method: string; headers: Record<string, string>; body?: string }) =>
  fetcher(JSON.stringify({ redirect: "follow", ...request }), new AbortController().signal)

const resolvingTo = (...addresses: string[]): ResolveAll => (_hostname, callback) => callback(null, addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })))

describe("sandbox fetch addresses", () => {
  it("refuses a declared name that resolves to loopback, link-local, metadata or reserved space, and allows public and local-network ones", () => {
    for (const [hostname, address] of [["api.example.com", "127.0.0.1"], ["api.example.com", "::1"], ["api.example.com", "::ffff:127.0.0.1"], ["x.example", "169.254.169.254"], ["x.example", "0.0.0.0"], ["x.example", "224.0.0.1"], ["x.example", "fe80::1"]] as const) {
      expect(addressRefusal(hostname, address), `${hostname} -> ${address}`).toMatch(new RegExp(`^${hostname.replaceAll(".", "\\.")} resolves to ${address.replaceAll(".", "\\.")}, in `))
    }
    for (const [hostname, address] of [["localhost", "127.0.0.1"], ["app.localhost", "::1"], ["nas.lan", "192.168.1.10"], ["api.example.com", "93.184.215.14"], ["vpn.example", "100.64.0.7"]] as const) {
      expect(addressRefusal(hostname, address), `${hostname} -> ${address}`).toBeNull()
    }
  })

  it("connects to nothing when a declared name resolves to the host itself, even beside a public address (DNS rebinding)", async () => {
    for (const resolve of [resolvingTo("127.0.0.1"), resolvingTo("93.184.215.14", "127.0.0.1")]) {
      const fetcher = createSandboxFetch({ plugin: "p", network: [`rebind.example:${port}`], maxBytes: 1024, resolve })
      const before = seen.length
      const { meta } = await answerOf(fetcher, `http://rebind.example:${port}/`)
      expect(meta.error).toMatch(/^fetch refused: rebind\.example resolves to 127\.0\.0\.1, in loopback \(127\.0\.0\.0\/8\): a sandboxed plugin reaches such an address only by declaring the address itself \(permissions\.network\)$/)
      expect(seen.length).toBe(before)
    }
  })

  it("reaches a declared address and localhost; sends its own Host, no Accept-Encoding; decodes gzip; joins repeated headers", async () => {
    const byAddress = createSandboxFetch({ plugin: "p", network: [`127.0.0.1:${port}`], maxBytes: 1024 })
    const plain = await answerOf(byAddress, `http://127.0.0.1:${port}/plain`, { Host: "admin.internal", "Accept-Encoding": "gzip", "x-extra": "1" })
    expect(plain.body).toBe("hello")
    expect(plain.meta).toMatchObject({ status: 200, statusText: "OK", headers: { "set-cookie": "a=1, b=2" } })
    expect(seen.at(-1)).toEqual({ url: "/plain", host: `127.0.0.1:${port}`, encoding: undefined })
    expect((await answerOf(byAddress, `http://127.0.0.1:${port}/gzip`)).body).toBe("unzipped")

    // A compressed body that breaks off fails the fetch; it waited forever, holding what it had decoded.
    const cut = await answerOf(byAddress, `http://127.0.0.1:${port}/gzip-cut`)
    expect(cut.meta.error).toMatch(/^fetch failed: /)

    const byName = createSandboxFetch({ plugin: "p", network: [`localhost:${port}`], maxBytes: 1024, resolve: resolvingTo("127.0.0.1") })
    expect((await answerOf(byName, `http://localhost:${port}/plain`)).body).toBe("hello")
  })
})

describe("sandbox fetch redirects", () => {
  const secrets = { Authorization: "Bearer s3cret", Cookie: "session=s3cret", "Proxy-Authorization": "Basic s3cret", "X-Custom": "kept" }
  const both = () => createSandboxFetch({ plugin: "p", network: [`127.0.0.1:${port}`, `localhost:${port}`], maxBytes: 1024, resolve: resolvingTo("127.0.0.1") })

  it("drops Authorization, Proxy-Authorization and Cookie on a redirect to another origin, and keeps them on the same origin", async () => {
    const fetcher = both()
    await send(fetcher, { url: `http://127.0.0.1:${port}/redirect/307/other`, method: "GET", headers: secrets })
    expect(echoed.at(-1)).toEqual({ method: "GET", custom: "kept" })
    await send(fetcher, { url: `http://127.0.0.1:${port}/redirect/307/same`, method: "GET", headers: secrets })
    // Proxy-Authorization is the host's (never sent by a plugin), on any origin.
    expect(echoed.at(-1)).toEqual({ method: "GET", authorization: "Bearer s3cret", cookie: "session=s3cret", custom: "kept" })
  })

  it("drops the body's headers when a redirect turns the request into a GET, keeps method, body and headers on a 307", async () => {
    const fetcher = both()
    const body = Buffer.from("{}").toString("base64")
    const post = { method: "POST", headers: { "Content-Type": "application/json", "X-Custom": "kept" }, body }
    await send(fetcher, { url: `http://127.0.0.1:${port}/redirect/302/same`, ...post })
    expect(echoed.at(-1)).toEqual({ method: "GET", custom: "kept" })
    await send(fetcher, { url: `http://127.0.0.1:${port}/redirect/303/same`, ...post, method: "PUT" })
    expect(echoed.at(-1)).toEqual({ method: "GET", custom: "kept" })
    await send(fetcher, { url: `http://127.0.0.1:${port}/redirect/307/same`, ...post })
    expect(echoed.at(-1)).toEqual({ method: "POST", type: "application/json", custom: "kept" })
    // A HEAD stays a HEAD on a 303, as fetch has it.
    await send(fetcher, { url: `http://127.0.0.1:${port}/redirect/303/same`, method: "HEAD", headers: {} })
    expect(echoed.at(-1)).toEqual({ method: "HEAD" })
  })
})

describe("sandbox fetch bodies", () => {
  it("frames every body with its length (no second request smuggled after a DELETE's body), and refuses a body on GET or HEAD", async () => {
    const fetcher = createSandboxFetch({ plugin: "p", network: [`127.0.0.1:${port}`], maxBytes: 1024 })
    const smuggle = `x\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: admin.internal\r\n\r\n`
    const before = seen.length
    for (const method of ["DELETE", "OPTIONS", "POST"]) {
      const answer = await send(fetcher, { url: `http://127.0.0.1:${port}/body`, method, headers: {}, body: Buffer.from(smuggle).toString("base64") })
      expect(JSON.parse(answer.text)).toMatchObject({ status: 200 })
      expect(bodies.at(-1)).toEqual({ method, length: String(Buffer.byteLength(smuggle)), chunked: undefined, body: smuggle })
    }
    expect(seen.slice(before).map((request) => request.url)).toEqual(["/body", "/body", "/body"])
    for (const method of ["GET", "HEAD"]) {
      const answer = await send(fetcher, { url: `http://127.0.0.1:${port}/body`, method, headers: {}, body: Buffer.from("x").toString("base64") })
      expect(JSON.parse(answer.text).error).toBe(`fetch to "http://127.0.0.1:${port}/body": a ${method} request cannot have a body`)
    }
    expect(seen.length).toBe(before + 3)
  })
})
