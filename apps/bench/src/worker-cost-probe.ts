/**
 * One measurement of worker-cost.ts / sandbox-cost.ts in a fresh process with `--expose-gc`.
 * argv: <mode> <dbPath> <count>
 * - ours (worker), sandbox, inline: load `count` plugins in that runtime (after one warm-up plugin, which
 *   builds the worker bundle / compiles QuickJS and builds the guest bundle), RSS and time per plugin;
 *   then the start latency of single plugins loaded one at a time;
 * - bare: the same for bare worker threads (same resource limits) that only say they are ready.
 */
import { Worker } from "node:worker_threads"

import { sendResult } from "./child.ts"
import { DB, createHandler } from "./fixtures.ts"
import { median, monotonicUs, settledRss } from "./measure.ts"

export interface WorkerCost {
  rssPerPlugin: number
  msPerPlugin: number
  /** Median start of one plugin alone (ours) or one bare worker. */
  singleMs: number
  /** The warm-up start: the first plugin (or bare worker) of the process, with its one-time costs. */
  firstMs: number
  /** Sandbox only: the mean linear memory (bytes) each of the `count` engines holds. */
  linearMemoryPerPlugin?: number
  /** The N starts on the monotonic clock (us), to cut a `--cpu-prof` profile to them. */
  window: [number, number]
}

const [mode, dbPath, countArg] = process.argv.slice(2) as [string, string, string]
const count = Number(countArg)
const SINGLES = 5

/** The limits the worker runtime gives each plugin (packages/loader/src/worker-runtime.ts). */
const resourceLimits = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 }

function bareWorker(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage("ready")', { eval: true, execArgv: [], resourceLimits })
    worker.once("message", () => resolve(worker))
    worker.once("error", reject)
  })
}

async function measure(start: () => Promise<unknown>, startOne: () => Promise<unknown>): Promise<WorkerCost> {
  const first = performance.now()
  await startOne() // warm-up: one-time costs (the worker / guest bundle, compiling QuickJS, the first native addon load) are not per plugin
  const firstMs = performance.now() - first
  const rssBefore = await settledRss()
  const from = monotonicUs()
  const started = performance.now()
  await start()
  const ms = performance.now() - started
  const window: [number, number] = [from, monotonicUs()]
  const rssAfter = await settledRss()
  const singles: number[] = []
  for (let index = 0; index < SINGLES; index++) {
    const begun = performance.now()
    await startOne()
    singles.push(performance.now() - begun)
  }
  return { rssPerPlugin: (rssAfter - rssBefore) / count, msPerPlugin: ms / count, singleMs: median(singles), firstMs, window }
}

void sendResult(async (): Promise<WorkerCost> => {
  if (mode === "bare") {
    const workers: Worker[] = []
    const one = async () => workers.push(await bareWorker())
    return measure(() => Promise.all(Array.from({ length: count }, one)), one)
  }
  const runtime = mode === "ours" ? "worker" : mode
  if (runtime !== "worker" && runtime !== "sandbox" && runtime !== "inline") throw new Error(`unknown mode ${mode}: ours | sandbox | inline | bare`)
  const db = new DB(dbPath)
  const handler = createHandler(db, { runtime })
  const ids = handler.getAll().map((plugin) => plugin.id)
  if (ids.length < count + 1 + SINGLES) throw new Error(`need ${count + 1 + SINGLES} stored plugins, found ${ids.length}`)
  let next = 0
  const one = () => handler.loadPlugin(ids[next++] as number)
  let batch: number[] = []
  const cost = await measure(async () => {
    batch = ids.slice(next, next + count)
    next += count
    const result = await handler.loadPlugins(batch)
    if (result.errors.length > 0) throw new Error(`${runtime} plugins failed to load: ${result.errors[0]?.error}`)
  }, one)
  const loaded = handler.getStatus().loaded_plugins
  if (loaded.some((plugin) => plugin.runtime !== runtime)) throw new Error(`a plugin did not run in the ${runtime} runtime`)
  if (runtime === "sandbox") {
    const bytes = loaded.filter((plugin) => batch.includes(plugin.id)).map((plugin) => plugin.memoryBytes ?? 0)
    cost.linearMemoryPerPlugin = bytes.reduce((sum, value) => sum + value, 0) / bytes.length
  }
  await handler.close()
  db.close()
  return cost
})
