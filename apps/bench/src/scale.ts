/**
 * Several processes on one database (issue 16):
 * - `scale.writes-1` / `scale.writes-3`: plugin table writes per second (a sandboxed plugin's POST route
 *   inserting one row, through the demo's app) served by 1 and by 3 server processes on one file, with
 *   the same total number of client connections. Every answer must be a 200 and every row stored once
 *   (checked). Baseline of writes-1: the same single-row INSERT on a raw libsql connection, in a loop (the
 *   file's fsync-bound limit for one writer); baseline of writes-3: writes-1.
 * - `scale.feed-p99` / `scale.feed-p50`: from a plugin disabled or enabled in one process (the change
 *   committed) to another process that follows the registry no longer serving it, or serving it again.
 */
import { setTimeout as sleep } from "node:timers/promises"
import { join } from "node:path"
import autocannon from "autocannon"
import { createPluginRegistry } from "@dockstat/plugin-store"

import type { ChildProcess } from "node:child_process"

import { runBenchmark, startChild } from "./child.ts"
import { DB, createHandler, pluginInput, tempDir } from "./fixtures.ts"
import { percentile, spread } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const CONNECTIONS = 12
const WRITES = 1500
const ROUNDS = 2
const FEED_SAMPLES = 60

const WRITER = `import { column } from "@dockstat/plugin-handler"
export default {
  name: "bench-scale-writer",
  config: {
    table: { name: "scale_rows", columns: { id: column.id(), label: column.text(), n: column.integer() } },
    apiRoutes: { "POST /write": { actions: ["write"] } },
    actions: { write: ({ table, body }) => ({ id: table.insert({ label: body.label, n: body.n }).insertId }) },
  },
}
`

function start(script: string, args: string[]): Promise<{ child: ChildProcess; message: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = startChild(script, { args })
    child.once("message", (message: Record<string, unknown>) => {
      if (message.type === "error") reject(new Error(`${script}: ${String(message.message)}`))
      else resolve({ child, message })
    })
    child.once("exit", (code) => reject(new Error(`${script} exited (code ${code}) before it was ready`)))
  })
}

async function prepare(dir: string): Promise<{ path: string; id: number }> {
  const path = join(dir, "scale.db")
  const db = new DB(path)
  const handler = createHandler(db, { runtime: "sandbox" })
  const saved = handler.savePlugin(pluginInput("bench-scale-writer", WRITER))
  if (!saved.success) throw new Error(saved.message)
  // Creates the table once, so the servers start warm.
  await handler.loadPlugin(saved.id)
  await handler.close()
  db.close()
  return { path, id: saved.id }
}

/**
 * Total 2xx answers per second of `CONNECTIONS` connections spread over the servers, `writes` requests in
 * all. A fixed number, not a duration: autocannon answers every request it sent, so acknowledged writes
 * can be compared with stored rows (at the end of a duration, requests in flight are stored but never
 * acknowledged).
 */
async function writeLoad(urls: string[], writes: number): Promise<{ perSecond: number; acknowledged: number; refused: number }> {
  const split = (total: number, index: number) => Math.floor(total / urls.length) + (index < total % urls.length ? 1 : 0)
  const results = await Promise.all(
    urls.map((url, index) =>
      autocannon({ url, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ label: "w", n: index }), connections: split(CONNECTIONS, index), amount: split(writes, index) }),
    ),
  )
  const acknowledged = results.reduce((sum, result) => sum + result.requests.total - result.non2xx, 0)
  const refused = results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0)
  const duration = Math.max(...results.map((result) => result.duration))
  return { perSecond: acknowledged / duration, acknowledged, refused }
}

/** Single-row autocommit INSERTs on a raw connection for `seconds`: the file's limit for one writer. */
function rawInserts(path: string, seconds: number): number {
  // A long busy timeout: the baseline may wait for the servers' last writes, nothing else serves here.
  const db = new DB(path, { migrate: false, busyTimeoutMs: 5000 })
  try {
    const insert = db.client.prepare(`INSERT INTO "scale_rows" ("label", "n") VALUES (?, ?)`)
    const end = performance.now() + seconds * 1000
    let count = 0
    while (performance.now() < end) {
      insert.run(["raw", count])
      count += 1
    }
    db.query(`DELETE FROM "scale_rows" WHERE "label" = 'raw'`).run()
    return count / seconds
  } finally {
    db.close()
  }
}

function rowCount(path: string): number {
  const db = new DB(path, { migrate: false })
  try {
    return Number(db.query(`SELECT count(*) AS n FROM "scale_rows"`).get()?.n)
  } finally {
    db.close()
  }
}

async function writes(): Promise<Row[]> {
  const { path, id } = await prepare(tempDir("dockstat-bench-scale-"))
  const servers = await Promise.all([0, 1, 2].map(() => start("scale-server.ts", [path])))
  try {
    const urls = servers.map(({ message }) => `${String(message.url)}/api/v2/plugins/${id}/routes/write`)
    for (const url of urls) {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
      if (response.status !== 200) throw new Error(`${url} answered ${response.status} ${await response.text()}`)
    }
    await writeLoad(urls, 300)
    const one: number[] = []
    const three: number[] = []
    const raw: number[] = []
    let acknowledged = 0
    let refused = 0
    const before = rowCount(path)
    for (let round = 0; round < ROUNDS; round++) {
      raw.push(rawInserts(path, 2))
      const single = await writeLoad(urls.slice(0, 1), WRITES)
      const spreadOver = await writeLoad(urls, WRITES)
      one.push(single.perSecond)
      three.push(spreadOver.perSecond)
      acknowledged += single.acknowledged + spreadOver.acknowledged
      refused += single.refused + spreadOver.refused
    }
    const stored = rowCount(path) - before
    if (stored !== acknowledged) throw new Error(`${acknowledged} writes acknowledged but ${stored} rows stored`)
    const oneMedian = one.sort((a, b) => a - b)[Math.floor(one.length / 2)] as number
    const threeMedian = three.sort((a, b) => a - b)[Math.floor(three.length / 2)] as number
    const rawMedian = raw.sort((a, b) => a - b)[Math.floor(raw.length / 2)] as number
    const check = `${acknowledged} writes acknowledged, ${stored} rows stored, ${refused} refused (non-2xx or errors)`
    return [
      row({
        id: "scale.writes-1",
        metric: "plugin table writes via HTTP, 1 process (writes/s)",
        ours: oneMedian,
        baseline: rawMedian,
        baselineLabel: "raw libsql single-row INSERTs, autocommit, one connection, same file",
        goal: "info",
        holds: null,
        note: `${CONNECTIONS} connections, ${WRITES} writes x ${ROUNDS} rounds (${spread(one, 0)}); sandboxed plugin route through the demo app; ${check}`,
      }),
      row({
        id: "scale.writes-3",
        metric: "plugin table writes via HTTP, 3 processes, one file (writes/s)",
        ours: threeMedian,
        baseline: oneMedian,
        baselineLabel: "the same load through 1 process",
        goal: "every write acknowledged",
        holds: refused === 0,
        note: `${CONNECTIONS} connections spread over 3 processes (${spread(three, 0)}); writes serialize on the file's lock: 3 processes do not write faster than 1`,
      }),
    ]
  } finally {
    for (const { child } of servers) child.kill("SIGKILL")
  }
}

async function feed(): Promise<Row[]> {
  const { path, id } = await prepare(tempDir("dockstat-bench-feed-"))
  const { child } = await start("scale-feed-probe.ts", [path, String(id)])
  const db = new DB(path)
  const registry = createPluginRegistry(db)
  try {
    const latencies: number[] = []
    let expectLoaded = true
    const changes: { loaded: boolean; at: number }[] = []
    child.on("message", (message: { type: string; loaded: boolean; at: number }) => {
      if (message.type === "changed") changes.push(message)
    })
    for (let sample = 0; sample < FEED_SAMPLES; sample++) {
      // A random phase against the follower's 100 ms poll.
      await sleep(Math.random() * 100)
      expectLoaded = !expectLoaded
      changes.length = 0
      registry.setEnabled(id, expectLoaded)
      const committedAt = performance.timeOrigin + performance.now()
      const deadline = Date.now() + 10_000
      while (!changes.some((change) => change.loaded === expectLoaded)) {
        if (Date.now() > deadline) throw new Error(`the follower did not ${expectLoaded ? "load" : "unload"} the plugin within 10 s`)
        await sleep(1)
      }
      const seen = changes.find((change) => change.loaded === expectLoaded) as { at: number }
      latencies.push(seen.at - committedAt)
    }
    const p99 = percentile(latencies, 99)
    const p50 = percentile(latencies, 50)
    const note = `${FEED_SAMPLES} changes (disable/enable of an inline plugin, at random phases), poll interval 100 ms; max ${Math.max(...latencies).toFixed(1)} ms`
    return [
      row({ id: "scale.feed-p99", metric: "registry change -> applied in another process, p99 (ms)", ours: p99, baseline: null, baselineLabel: "", goal: "< 1000 ms", holds: p99 < 1000, note }),
      row({ id: "scale.feed-p50", metric: "registry change -> applied in another process, p50 (ms)", ours: p50, baseline: null, baselineLabel: "", goal: "info", holds: null }),
    ]
  } finally {
    child.kill("SIGKILL")
    db.close()
  }
}

runBenchmark(async () => [...(await writes()), ...(await feed())])
