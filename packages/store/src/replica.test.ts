/**
 * Embedded replicas of a libSQL server (sqld). No sqld runs here: these tests cover what can be checked
 * without one (option validation, what reaches the wire, what happens when the primary is unreachable or
 * is not sqld). docs/deploy/multi-host.md lists what was not tested.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createServer } from "node:net"
import { afterEach, describe, expect, it } from "vitest"

import type { ChildProcess } from "node:child_process"

import { DB } from "./db.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL")
})

const TOKEN = "test-token-not-a-secret"

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * An HTTP server that is not sqld (it answers 404 to everything) and prints each request it gets. It
 * runs in its own process: libsql's open blocks this thread while it talks to the primary.
 */
async function fakePrimary(): Promise<{ url: string; requests(): { method: string; path: string; auth: string | undefined }[] }> {
  const code = `
    const http = require("node:http")
    const server = http.createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        console.log(JSON.stringify({ method: req.method, path: req.url, auth: req.headers.authorization ?? req.headers["x-authorization"] }))
        res.writeHead(404).end("not sqld")
      })
    })
    server.listen(0, "127.0.0.1", () => console.log("PORT " + server.address().port))`
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] })
  children.push(child)
  let out = ""
  child.stdout.setEncoding("utf8")
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (exitCode) => reject(new Error(`fake primary exited (${exitCode})`)))
    child.stdout.on("data", (chunk: string) => {
      out += chunk
      const match = /PORT (\d+)/.exec(out)
      if (match) resolve(Number(match[1]))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () =>
      out
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { method: string; path: string; auth: string | undefined }),
  }
}

describe("embedded replica options", () => {
  it.each([
    [{ syncUrl: "ftp://primary:8080" }, /syncUrl must be a libsql:\/\/, https:\/\/ or http:\/\/ URL/],
    [{ syncUrl: "not a url" }, /syncUrl must be a libsql:\/\//],
    [{ syncUrl: "http://primary:8080", syncPeriod: -1 }, /syncPeriod must be 0 or more \(seconds\)/],
    [{ syncUrl: "http://primary:8080", syncPeriod: Number.NaN }, /syncPeriod/],
    [{ syncUrl: "http://primary:8080", authToken: "" }, /authToken must not be empty/],
    [{ syncUrl: "http://primary:8080", authToken: "has space" }, /authToken must not contain whitespace/],
    [{ syncUrl: "http://primary:8080", readYourWrites: "yes" as unknown as boolean }, /readYourWrites/],
    [{ authToken: TOKEN, syncPeriod: 5 }, /DB option authToken, syncPeriod needs syncUrl/],
  ])("refuses %o with a message naming the option", (options, message) => {
    const path = tempDb()
    expect(() => new DB(path, options)).toThrow(message)
    // Refused before anything was opened or written.
    expect(existsSync(path)).toBe(false)
  })

  it("needs a file to keep its copy in", () => {
    expect(() => new DB(":memory:", { syncUrl: "http://primary:8080" })).toThrow(/An embedded replica needs a file/)
  })

  it("never puts the token in an error message", () => {
    let message = ""
    try {
      new DB(tempDb(), { syncUrl: "http://primary:8080", authToken: TOKEN, syncPeriod: -1 })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/syncPeriod/)
    expect(message).not.toContain(TOKEN)
  })
})

describe("an embedded replica whose primary is unreachable or not sqld", () => {
  it("fails to open when its primary cannot be reached, naming the primary, without the token", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const path = tempDb()
    let error: Error | undefined
    try {
      new DB(path, { syncUrl: url, authToken: TOKEN })
    } catch (caught) {
      error = caught as Error
    }
    expect(error?.message).toMatch(new RegExp(`^Could not open .*app\\.db as an embedded replica of ${url}: .*(refused|connect)`, "i"))
    expect(error?.message).not.toContain(TOKEN)
    // One line: libsql's Rust backtrace is not passed on.
    expect(error?.message.split("\n")).toHaveLength(1)
  })

  it("passes syncUrl and authToken through to libsql (the primary gets `Bearer <token>`) and fails clearly when the primary is not sqld", async () => {
    const primary = await fakePrimary()
    const path = tempDb()
    expect(() => new DB(path, { syncUrl: primary.url, authToken: TOKEN, syncPeriod: 1, readYourWrites: false })).toThrow(
      new RegExp(`^Could not prepare the embedded replica .*app\\.db of ${primary.url} \\(host migrations run on the primary\\): `),
    )
    // The primary's log arrives through a pipe this thread was too busy to read meanwhile.
    await expect.poll(() => primary.requests().length, { timeout: 10_000 }).toBeGreaterThan(0)
    const requests = primary.requests()
    expect(requests.every((request) => request.auth === `Bearer ${TOKEN}`)).toBe(true)
  })

  it("opens without migrations (reads are local) and records its options, never the token", async () => {
    const primary = await fakePrimary()
    const db = new DB(tempDb(), { syncUrl: primary.url, authToken: TOKEN, syncPeriod: 2.5, readYourWrites: false, migrate: false })
    try {
      expect(db.replica).toEqual({ syncUrl: primary.url, syncPeriod: 2.5, readYourWrites: false })
      expect(JSON.stringify(db.replica)).not.toContain(TOKEN)
      // A read is answered from the local copy, synchronously.
      expect(db.query("SELECT 1 AS one").get()).toEqual({ one: 1 })
      // A write goes to the primary, which is not sqld here: it fails, the local copy is untouched.
      expect(() => db.transaction(() => db.query("CREATE TABLE t (a)").run())).toThrow()
      expect(db.tableExists("t")).toBe(false)
    } finally {
      db.close()
    }
  })
})
