/**
 * Requests per second of a plugin route (one action returning a small object, the plugin having a table)
 * through the demo's Hono app, inline, in a worker and in the sandbox, against a bare Hono route answering
 * the same object.
 * autocannon on 127.0.0.1, same connections and duration for every target, in rotating order over several
 * rounds; each ratio is taken within a round, then the median over rounds.
 */
import autocannon from "autocannon"

import type { ChildProcess } from "node:child_process"

import { runBenchmark, startChild } from "./child.ts"
import { HELLO } from "./fixtures.ts"
import type { ServerInfo } from "./http-server.ts"
import { median, spread } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const CONNECTIONS = 10
const WARMUP_S = 1
const DURATION_S = 2.5
const ROUNDS = 3

type Target = "bare" | "inline" | "worker" | "sandbox"

function startServer(): Promise<{ child: ChildProcess; info: ServerInfo }> {
  return new Promise((resolve, reject) => {
    const child = startChild("http-server.ts")
    child.once("message", (message: { type: string; info?: ServerInfo; message?: string }) => {
      if (message.type === "ready" && message.info) resolve({ child, info: message.info })
      else reject(new Error(`the bench server failed: ${message.message}`))
    })
    child.once("exit", (code) => reject(new Error(`the bench server exited (code ${code}) before it was ready`)))
  })
}

/** The server's CPU time (user + system, every thread) in microseconds. */
function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string; usage?: NodeJS.CpuUsage }) => {
      if (message.type !== "cpu" || !message.usage) return
      child.off("message", onMessage)
      resolve(message.usage.user + message.usage.system)
    }
    child.on("message", onMessage)
    child.send({ type: "cpu" })
  })
}

interface Load {
  perSecond: number
  /** Server CPU time per request, us: independent of how busy the rest of the machine is. */
  cpuPerRequest: number
}

async function load(child: ChildProcess, url: string, seconds: number): Promise<Load> {
  const cpuBefore = await serverCpu(child)
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1 })
  const cpu = (await serverCpu(child)) - cpuBefore
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`)
  }
  return { perSecond: result.requests.total / result.duration, cpuPerRequest: cpu / result.requests.total }
}

runBenchmark(async (): Promise<Row[]> => {
  const { child, info } = await startServer()
  try {
    const urls: Record<Target, string> = { bare: info.bareUrl, inline: info.inlineUrl, worker: info.workerUrl, sandbox: info.sandboxUrl }
    for (const [target, url] of Object.entries(urls)) {
      const response = await fetch(url)
      const body = await response.text()
      if (response.status !== 200 || body !== JSON.stringify(HELLO)) throw new Error(`${target} (${url}) answered ${response.status} ${body}`)
      await load(child, url, WARMUP_S)
    }
    const rates: Record<Target, number[]> = { bare: [], inline: [], worker: [], sandbox: [] }
    const cpu: Record<Target, number[]> = { bare: [], inline: [], worker: [], sandbox: [] }
    const targets: Target[] = ["bare", "inline", "worker", "sandbox"]
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts one target later: every target runs early and late in some round.
      for (const target of targets.map((_, index) => targets[(index + round) % targets.length] as Target)) {
        const measured = await load(child, urls[target], DURATION_S)
        rates[target].push(measured.perSecond)
        cpu[target].push(measured.cpuPerRequest)
      }
    }
    const ratios = (a: Target, b: Target) => rates[a].map((value, index) => value / (rates[b][index] as number))
    const note = (target: Target) =>
      `${ROUNDS} rounds x ${DURATION_S} s, ${CONNECTIONS} connections, rotating order; ${target} ${spread(rates[target], 0)} req/s, bare ${spread(rates.bare, 0)} req/s; ` +
      `server CPU per request ${median(cpu[target]).toFixed(0)} us vs bare ${median(cpu.bare).toFixed(0)} us; app: ${info.appSource}`
    const inlineRatio = median(ratios("inline", "bare"))
    const workerRatio = median(ratios("worker", "bare"))
    const sandboxRatio = median(ratios("sandbox", "bare"))
    return [
      row({
        id: "http.inline",
        metric: "plugin route via demo app, inline (req/s)",
        ours: median(rates.inline),
        baseline: median(rates.bare),
        baselineLabel: "bare Hono route returning the same object, same run",
        ratio: inlineRatio,
        goal: ">= 0.90x",
        holds: inlineRatio >= 0.9,
        note: note("inline"),
      }),
      row({
        id: "http.worker",
        metric: "plugin route via demo app, worker (req/s)",
        ours: median(rates.worker),
        baseline: median(rates.bare),
        baselineLabel: "bare Hono route returning the same object, same run",
        ratio: workerRatio,
        goal: ">= 0.70x",
        holds: workerRatio >= 0.7,
        note: note("worker"),
      }),
      row({
        id: "http.worker-vs-inline",
        metric: "plugin route, worker vs inline (req/s)",
        ours: median(rates.worker),
        baseline: median(rates.inline),
        baselineLabel: "the same route in the inline runtime, same run",
        ratio: median(ratios("worker", "inline")),
        goal: "info",
        holds: null,
      }),
      row({
        id: "http.sandbox",
        metric: "plugin route via demo app, sandbox (req/s)",
        ours: median(rates.sandbox),
        baseline: median(rates.bare),
        baselineLabel: "bare Hono route returning the same object, same run",
        ratio: sandboxRatio,
        goal: ">= 0.85x",
        holds: sandboxRatio >= 0.85,
        note: note("sandbox"),
      }),
      row({
        id: "http.sandbox-vs-inline",
        metric: "plugin route, sandbox vs inline (req/s)",
        ours: median(rates.sandbox),
        baseline: median(rates.inline),
        baselineLabel: "the same route in the inline runtime, same run",
        ratio: median(ratios("sandbox", "inline")),
        goal: "info",
        holds: null,
      }),
    ]
  } finally {
    child.disconnect()
  }
})
