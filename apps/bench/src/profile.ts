/**
 * Profiles what a benchmark measures with `node --cpu-prof` and prints the functions with the most self
 * time inside the measured window (not start-up):
 *
 *   pnpm --filter @dockstat/bench run profile http-inline   the demo app serving the inline plugin route
 *   pnpm --filter @dockstat/bench run profile http-worker   the same route in the worker runtime (host side)
 *   pnpm --filter @dockstat/bench run profile http-bare     the bare Hono route, for comparison
 *   pnpm --filter @dockstat/bench run profile load-all      a warm loadAllPlugins() of 1000 plugins
 *   pnpm --filter @dockstat/bench run profile worker-start  starting 20 worker plugins (host side: plugin
 *                                                           threads run with execArgv [], so they are not profiled)
 *   pnpm --filter @dockstat/bench run profile sandbox-start starting 20 sandboxed plugins (QuickJS runs as
 *                                                           WebAssembly on the main thread: it shows as wasm functions)
 *   pnpm --filter @dockstat/bench run profile http-sandbox  the demo app serving the sandboxed plugin route
 *
 * The .cpuprofile files stay in the printed directory (open them in Chrome DevTools or speedscope).
 */
import { mkdtempSync, readFileSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"

import { runChild, startChild } from "./child.ts"
import { selfTimes } from "./cpu-profile.ts"
import { seededDb } from "./fixtures.ts"
import type { ServerInfo } from "./http-server.ts"
import type { ProbeResult } from "./load-all-probe.ts"
import { monotonicUs } from "./measure.ts"
import type { WorkerCost } from "./worker-cost-probe.ts"

const TARGETS = ["http-inline", "http-worker", "http-sandbox", "http-bare", "load-all", "worker-start", "sandbox-start"] as const
type Target = (typeof TARGETS)[number]

const target = process.argv.slice(2).find((arg) => arg !== "--") as Target | undefined
if (!target || !TARGETS.includes(target)) {
  console.error(`usage: profile <${TARGETS.join(" | ")}>`)
  process.exit(1)
}
const top = Number(process.env.PROFILE_TOP ?? 30)
const dir = mkdtempSync(join(tmpdir(), "dockstat-profile-"))
const cpuProf = ["--cpu-prof", "--cpu-prof-dir", dir]

type HttpKind = "inline" | "worker" | "sandbox" | "bare"

async function profileHttp(kind: HttpKind): Promise<[number, number]> {
  const child = startChild("http-server.ts", { execArgv: cpuProf })
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    child.once("message", (message: { type: string; info?: ServerInfo; message?: string }) => (message.info ? resolve(message.info) : reject(new Error(message.message))))
  })
  const url = { inline: info.inlineUrl, worker: info.workerUrl, sandbox: info.sandboxUrl, bare: info.bareUrl }[kind]
  await autocannon({ url, connections: 10, duration: 1 })
  const from = monotonicUs()
  const result = await autocannon({ url, connections: 10, duration: 5 })
  const window: [number, number] = [from, monotonicUs()]
  console.log(`${kind}: ${Math.round(result.requests.total / result.duration)} req/s while profiled (${info.appSource})`)
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.disconnect()
  await exited
  return window
}

async function profileLoadAll(): Promise<[number, number]> {
  const { path } = await seededDb(1000)
  const result = await runChild<ProbeResult>("load-all-probe.ts", { args: ["ours", path], execArgv: cpuProf })
  console.log(`loadAllPlugins (1000): ${result.ms.toFixed(0)} ms while profiled`)
  return result.window
}

async function profileStart(runtime: "worker" | "sandbox"): Promise<[number, number]> {
  const { path } = await seededDb(26)
  const result = await runChild<WorkerCost>("worker-cost-probe.ts", { args: [runtime === "worker" ? "ours" : runtime, path, "20"], execArgv: cpuProf })
  console.log(`${runtime} start: ${result.msPerPlugin.toFixed(1)} ms per plugin (20 together) while profiled`)
  return result.window
}

const window =
  target === "load-all"
    ? await profileLoadAll()
    : target === "worker-start" || target === "sandbox-start"
      ? await profileStart(target === "worker-start" ? "worker" : "sandbox")
      : await profileHttp(target.slice("http-".length) as HttpKind)
// The main thread's profile is the largest file; worker threads write their own.
const files = readdirSync(dir).filter((file) => file.endsWith(".cpuprofile"))
for (const file of files) {
  const { total, top: functions, inclusive } = selfTimes(JSON.parse(readFileSync(join(dir, file), "utf8")), window)
  const busy = functions.filter((entry) => entry.name !== "(idle)").reduce((sum, entry) => sum + entry.ms, 0)
  if (busy < 50) continue
  console.log(`\n${file}: ${total.toFixed(0)} ms sampled in the window, ${busy.toFixed(0)} ms not idle; self time:`)
  for (const entry of functions.slice(0, top)) console.log(`${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(1).padStart(8)} ms  ${entry.name}`)
  console.log("inclusive time (the function and what it called):")
  for (const entry of inclusive.slice(0, top)) console.log(`${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(1).padStart(8)} ms  ${entry.name}`)
}
console.log(`\nprofiles: ${dir}`)
process.exit(0)
