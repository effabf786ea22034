/**
 * CPU time per request of the http.* targets without sockets: @hono/node-server's listener is handed
 * real IncomingMessage/ServerResponse objects (nothing goes on a wire), so what is measured is the
 * framework's work and ours, not the kernel's or the load generator's. Every round measures each target
 * in turn; the cost over the bare route is taken within a round, and the median over rounds printed. On a
 * shared machine this moves far less than req/s. Worker time counts too (process.cpuUsage is per process).
 *
 *   pnpm --filter @dockstat/bench exec tsx src/http-inproc.ts [rounds]
 *   TARGETS=bare,inline pnpm --filter @dockstat/bench exec tsx src/http-inproc.ts
 *
 * It prints the measured span on the monotonic clock (`window`) to stderr, to cut a `--cpu-prof` profile
 * to it with `src/cpu-profile.ts <file> <from> <to>`.
 */
import { IncomingMessage, ServerResponse } from "node:http"
import { Socket } from "node:net"
import { getRequestListener } from "@hono/node-server"

import { bareApp, createDemoApp, demoRoutePath } from "./demo-app.ts"
import { HELLO, HELLO_PATH, httpTargets } from "./fixtures.ts"
import { median, monotonicUs } from "./measure.ts"

const TARGETS = ["bare", "inline", "worker", "sandbox"] as const
type Target = (typeof TARGETS)[number]

const rounds = Number(process.argv[2] ?? 20)
const PER_ROUND = 2000
const only = (process.env.TARGETS?.split(",") ?? [...TARGETS]).filter((name): name is Target => (TARGETS as readonly string[]).includes(name))
if (!only.includes("bare")) only.unshift("bare")

const { db, handler, ids } = await httpTargets()
const demo = getRequestListener((await createDemoApp(handler)).fetch)
const bare = getRequestListener(bareApp(HELLO).fetch)
const path = (runtime: keyof typeof ids) => demoRoutePath(ids[runtime], HELLO_PATH)
const targets: Record<Target, [typeof demo, string]> = {
  bare: [bare, "/hello"],
  inline: [demo, path("inline")],
  worker: [demo, path("worker")],
  sandbox: [demo, path("sandbox")],
}

// What autocannon sends.
const RAW_HEADERS = ["Host", "127.0.0.1:3000", "Connection", "keep-alive", "User-Agent", "autocannon"]

async function request(listener: typeof demo, url: string): Promise<void> {
  const incoming = new IncomingMessage(new Socket())
  incoming.method = "GET"
  incoming.url = url
  incoming.httpVersionMajor = 1
  incoming.httpVersionMinor = 1
  incoming.rawHeaders = RAW_HEADERS
  incoming.headers = { host: "127.0.0.1:3000", connection: "keep-alive", "user-agent": "autocannon" }
  incoming.complete = true
  incoming.push(null)
  const outgoing = new ServerResponse(incoming)
  await listener(incoming, outgoing)
  if (outgoing.statusCode !== 200) throw new Error(`${url} answered ${outgoing.statusCode}`)
}

async function cpuPerRequest(target: Target): Promise<number> {
  const [listener, url] = targets[target]
  const before = process.cpuUsage()
  for (let index = 0; index < PER_ROUND; index++) await request(listener, url)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / PER_ROUND
}

for (const target of only) await cpuPerRequest(target)
const cpu: Record<Target, number[]> = { bare: [], inline: [], worker: [], sandbox: [] }
const from = monotonicUs()
for (let round = 0; round < rounds; round++) for (const target of only) cpu[target].push(await cpuPerRequest(target))
console.error(`window ${from} ${monotonicUs()}`)

console.log(`bare     ${median(cpu.bare).toFixed(1)} us CPU per request (median of ${rounds} rounds of ${PER_ROUND})`)
for (const target of only.filter((name) => name !== "bare")) {
  const over = cpu[target].map((value, index) => value - (cpu.bare[index] as number))
  console.log(`${target.padEnd(8)} ${median(cpu[target]).toFixed(1)} us, ${median(over).toFixed(1)} us over bare`)
}
await handler.close()
db.close()
process.exit(0)
