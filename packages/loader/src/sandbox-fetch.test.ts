import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import { gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import type { AddressInfo } from "node:net"

import { createSandboxFetch } from "./sandbox-fetch.ts"
import { addressRefusal } from "./sandbox-http.ts"
import type { ResolveAll } from "./sandbox-http.ts"

const seen: { url: string; host: string | undefined; encoding: string | undefined }[] = []
const server = createServer((request, response) => {
  seen.push({ url: request.url ?? "", host: request.headers.host, encoding: request.headers["accept-encoding"] })
  if (request.url === "/gzip") response.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" }).end(gzipSync("unzipped"))
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
