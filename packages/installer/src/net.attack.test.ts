import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { gzipSync, brotliCompressSync, deflateSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { resolveManifest } from "./resolve-manifest.ts"
import { startFixtureServer } from "./fixture-server.ts"
import type { FixtureServer } from "./fixture-server.ts"
import { classifyAddress } from "./address-scope.ts"

let server: FixtureServer
beforeAll(async () => { server = await startFixtureServer() })
afterAll(() => server.close())
const CODE = "export default { name: 'p', config: {} }"

describe("attacks", () => {
  it("slow drip body", async () => {
    server.serve("/drip.json", (req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.write('{"name":"x",')
      const t = setInterval(() => { if (res.destroyed) clearInterval(t); else res.write(" ") }, 50)
    })
    const t0 = Date.now()
    const r = await resolveManifest(server.url("/drip.json"), { allowPrivateNetwork: true, timeoutMs: 500 })
    console.log("drip", Date.now() - t0, r)
  }, 20000)

  it("redirect with userinfo", async () => {
    let auth: string | undefined
    server.serve("/creds.json", (req, res) => { auth = req.headers.authorization; res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify({ name: "p", version: "1", plugin: CODE })) })
    const port = new URL(server.url("/")).port
    server.serve("/r", { status: 302, headers: { location: `http://admin:s3cret@127.0.0.1:${port}/creds.json` } })
    const r = await resolveManifest(server.url("/r"), { allowPrivateNetwork: true })
    console.log("userinfo redirect", auth, JSON.stringify(r).slice(0, 300))
  })

  it("redirect with userinfo then relative pluginUrl, error leaks creds", async () => {
    const port = new URL(server.url("/")).port
    server.serve("/c2/m.json", { headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "p", version: "1", pluginUrl: "./missing.js" }) })
    server.serve("/r2", { status: 302, headers: { location: `http://admin:s3cret@127.0.0.1:${port}/c2/m.json` } })
    const r = await resolveManifest(server.url("/r2"), { allowPrivateNetwork: true })
    console.log("userinfo redirect 2", JSON.stringify(r).slice(0, 400))
  })

  it("status message reflected", async () => {
    server.serve("/sm", (req, res) => { res.statusMessage = "<script>alert(1)</script>"; res.writeHead(500); res.end() })
    const r = await resolveManifest(server.url("/sm"), { allowPrivateNetwork: true })
    console.log("statusMessage", r)
  })

  it("brotli bomb", async () => {
    const big = Buffer.alloc(200 * 1024 * 1024, 0x20)
    const br = brotliCompressSync(big)
    console.log("compressed size", br.byteLength)
    server.serve("/bomb.json", { headers: { "content-type": "application/json", "content-encoding": "br" }, body: br })
    const t0 = Date.now(); const m0 = process.memoryUsage().rss
    const r = await resolveManifest(server.url("/bomb.json"), { allowPrivateNetwork: true })
    console.log("bomb", Date.now() - t0, (process.memoryUsage().rss - m0) / 1e6, r)
  }, 60000)

  it("double content-encoding", async () => {
    const body = gzipSync(gzipSync(Buffer.from(JSON.stringify({ name: "p", version: "1", plugin: CODE }))))
    server.serve("/dbl.json", { headers: { "content-type": "application/json", "content-encoding": "gzip, gzip" }, body })
    const r = await resolveManifest(server.url("/dbl.json"), { allowPrivateNetwork: true })
    console.log("double enc", r)
  })

  it("addresses", () => {
    for (const a of ["::ffff:0:7f00:1", "64:ff9b:1::a9fe:a9fe", "2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "::ffff:7f00:1", "0:0:0:0:0:ffff:127.0.0.1", "198.18.0.1", "192.0.0.170", "fd00:ec2:0:0:0:0:0:254", "::127.0.0.1", "100.100.100.200", "::ffff:a9fe:a9fe", "fe80::1%eth0", "::1%lo"]) {
      try { console.log(a, JSON.stringify(classifyAddress(a))) } catch (e) { console.log(a, String(e)) }
    }
  })

  it("hostnames that resolve to loopback w/ policy off", async () => {
    for (const u of ["http://localhost:1/m.json", "http://127.1:1/m.json", "http://[::]:1/m.json", "http://0/m.json", "http://[::ffff:127.0.0.1]:1/", "http://localtest.me:1/", "http://[fe80::1%25lo]/", "http://LOCALHOST./m.json"]) {
      const r = await resolveManifest(u, { allowPrivateNetwork: false, timeoutMs: 2000 })
      console.log(u, JSON.stringify(r))
    }
  })
})
