/**
 * The worker runtime on an embedded replica (a DB with syncUrl) is refused: a worker opens the database
 * file from its own thread, which would write the local copy behind the primary's back. No sqld runs
 * here: the replica's primary is a stand-in that is not sqld, and only reads happen.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { DB, toRow } from "@dockstat/plugin-store"

import type { ChildProcess } from "node:child_process"
import type { Logger, PluginRow } from "@dockstat/plugin-schema"

import { loadPlugin } from "./load-plugin.ts"

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** An HTTP server in its own process (libsql's open blocks this thread) answering 404 to everything. */
async function standInPrimary(): Promise<string> {
  const code = `const s = require("node:http").createServer((q, r) => { q.resume(); q.on("end", () => r.writeHead(404).end()) }); s.listen(0, "127.0.0.1", () => console.log("PORT " + s.address().port))`
  const child: ChildProcess = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] })
  cleanups.push(() => child.kill("SIGKILL"))
  return new Promise((resolve, reject) => {
    let out = ""
    child.once("exit", (exitCode) => reject(new Error(`stand-in exited (${exitCode})`)))
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const port = /PORT (\d+)/.exec(out)?.[1]
      if (port !== undefined) resolve(`http://127.0.0.1:${port}`)
    })
  })
}

describe("the worker runtime on an embedded replica", () => {
  it("is refused with a message saying which runtimes work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dockstat-replica-worker-"))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = new DB(join(dir, "replica.db"), { syncUrl: await standInPrimary(), migrate: false })
    cleanups.push(() => db.close())
    const input = { name: "w", version: "1.0.0", repoType: "local" as const, repository: "local", manifest: "local", author: {}, plugin: "export default {}" }
    const row: PluginRow = { ...toRow(input, db.signer, "worker"), id: 1, enabled: true, createdAt: "", updatedAt: "", tags: null, frontend: null }
    await expect(loadPlugin(row, { db, logger: silent, runtime: "worker" })).rejects.toThrow(/worker runtime .* embedded replica \(syncUrl\) does not allow; choose the sandbox or inline runtime/)
  })
})
