import { connect } from "node:net"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { startServer } from "./server.ts"
import { notesManifestJson } from "./test-support/notes-plugin.ts"
import { closedPortUrl, startStaticServer } from "./test-support/static-server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

import type { RunningServer, StartServerOptions } from "./server.ts"
import type { StaticServer } from "./test-support/static-server.ts"

const INSTALL = "/api/v2/plugins/install"
const JSON_HEADERS = { "content-type": "application/json" }
const temp = createTempDir()
const servers: { close(): Promise<void> }[] = []

afterAll(async () => {
  for (const server of servers.splice(0).reverse()) await server.close()
  temp.remove()
})

async function demo(options: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ dbPath: temp.file(`${servers.length}.db`), port: 0, logLevel: "silent", installExamples: false, docker: false, ...options })
  servers.push(server)
  return server
}

interface RawExchange {
  /** What the server wrote before it closed the connection. */
  answer: string
  /** From the first byte sent to the close. */
  ms: number
}

/**
 * A client on a raw socket that sends `head` and then drips `drip` one byte every 50 ms, the way a
 * slowloris client holds a connection; resolves when the server closes it (or after `giveUpMs`).
 */
function dripClient(port: number, head: string, drip: string, giveUpMs: number): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = connect(port, "127.0.0.1")
    let answer = ""
    let sent = 0
    const timer = setInterval(() => {
      if (sent < drip.length && socket.writable) socket.write(drip[sent++] ?? "")
    }, 50)
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs)
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      answer += chunk
    })
    socket.on("error", () => undefined)
    socket.on("close", () => {
      clearInterval(timer)
      clearTimeout(giveUp)
      resolve({ answer, ms: performance.now() - started })
    })
    socket.write(head)
  })
}

describe("the install request body is capped at 64 KiB", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await demo()
  })

  it("answers 413 JSON for a body declared larger, without reading it", async () => {
    const body = JSON.stringify({ url: "https://example.com/m.json", padding: "x".repeat(1024 * 1024) })
    const response = await fetch(`${server.url}${INSTALL}`, { method: "POST", headers: JSON_HEADERS, body })
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({
      success: false,
      kind: "validation",
      message: 'The install request body is over the 64 KiB limit: send {"url": "https://…/manifest.json"}',
    })
  })

  it("answers 413 to an endless chunked body once 64 KiB have come, then closes the connection", async () => {
    // A raw client that sends chunks as fast as the socket takes them and never ends the body: a server
    // that waits for the whole body never answers, and one that buffers it grows without bound.
    const { answer, written } = await new Promise<{ answer: string; written: number }>((resolve) => {
      const socket = connect(server.port, "127.0.0.1")
      const chunk = `4000\r\n${" ".repeat(0x4000)}\r\n`
      let answer = ""
      let written = 0
      const pump = () => {
        while (socket.writable && socket.write(chunk)) written += chunk.length
      }
      socket.setEncoding("utf8")
      socket.on("data", (data: string) => {
        answer += data
      })
      socket.on("drain", pump)
      socket.on("error", () => undefined)
      socket.on("close", () => resolve({ answer, written }))
      socket.write(`POST ${INSTALL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`)
      pump()
    })
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer).toContain("over the 64 KiB limit")
    expect(written).toBeGreaterThan(64 * 1024)
  })

  it("still reads a body just under the cap", async () => {
    const body = JSON.stringify({ url: await closedPortUrl("/m.json"), padding: "x".repeat(60 * 1024) })
    expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024)
    const response = await fetch(`${server.url}${INSTALL}`, { method: "POST", headers: JSON_HEADERS, body })
    // Read and understood: the install failed only because nothing listens at that URL.
    expect(response.status).toBe(502)
  })
})

describe("slow clients are cut off after the request timeout", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await demo({ requestTimeoutMs: 400 })
  })

  it("answers 408 and closes the connection of a client dripping its body", async () => {
    const head = `POST ${INSTALL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`
    const { answer, ms } = await dripClient(server.port, head, `{"url":"${"x".repeat(190)}`, 10_000)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(ms).toBeGreaterThanOrEqual(350)
    expect(ms).toBeLessThan(8000)
  })

  it("answers 408 and closes the connection of a client dripping its headers", async () => {
    const { answer, ms } = await dripClient(server.port, "GET /health HTTP/1.1\r\n", "Host: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", 10_000)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(ms).toBeLessThan(8000)
  })

  it("serves a client that sends its request in time, body included", async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
    const response = await fetch(`${server.url}${INSTALL}`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ url: "ftp://x" }) })
    expect(response.status).toBe(400)
  })
})

describe("which networks the demo installs from", () => {
  let manifests: StaticServer
  beforeAll(async () => {
    manifests = await startStaticServer({ "/notes/manifest.json": { body: notesManifestJson("lan-notes", "lan_notes"), contentType: "application/json" } })
    servers.push(manifests)
  })
  const install = (server: RunningServer, url: string) =>
    fetch(`${server.url}${INSTALL}`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ url }) })

  it("installs from a private network by default (a catalog on the LAN or this host)", async () => {
    const server = await demo()
    expect((await install(server, manifests.url("/notes/manifest.json"))).status).toBe(201)
  })

  it("refuses a cloud metadata address even so, with 403 naming it", async () => {
    const server = await demo()
    const response = await install(server, "http://169.254.169.254/latest/meta-data/manifest.json")
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ success: false, kind: "forbidden-address", message: expect.stringContaining("the address is 169.254.169.254, in link-local") })
  })

  it("refuses loopback when private networks are turned off, saying how to allow them", async () => {
    const server = await demo({ allowPrivateNetwork: false })
    const response = await install(server, manifests.url("/notes/manifest.json"))
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ success: false, kind: "forbidden-address", message: expect.stringMatching(/the address is 127\.0\.0\.1, in loopback .*allowPrivateNetwork: true$/) })
    expect(server.handler.getAll()).toEqual([])
  })
})
