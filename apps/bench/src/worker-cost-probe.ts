/**
 * One measurement of worker-cost.ts in a fresh process with `--expose-gc`. argv: <mode> <dbPath> <count>
 * - ours: load `count` worker plugins (after one warm-up plugin, which builds the worker bundle), RSS and
 *   time per plugin; then the start latency of single plugins loaded one at a time;
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
  await startOne() // warm-up: one-time costs (the worker bundle, the first native addon load) are not per plugin
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
  return { rssPerPlugin: (rssAfter - rssBefore) / count, msPerPlugin: ms / count, singleMs: median(singles), window }
}

void sendResult(async (): Promise<WorkerCost> => {
  if (mode === "bare") {
    const workers: Worker[] = []
    const one = async () => workers.push(await bareWorker())
    return measure(() => Promise.all(Array.from({ length: count }, one)), one)
  }
  const db = new DB(dbPath)
  const handler = createHandler(db, { runtime: "worker" })
  const ids = handler.getAll().map((plugin) => plugin.id)
  if (ids.length < count + 1 + SINGLES) throw new Error(`need ${count + 1 + SINGLES} stored plugins, found ${ids.length}`)
  let next = 0
  const one = () => handler.loadPlugin(ids[next++] as number)
  const cost = await measure(async () => {
    const batch = ids.slice(next, next + count)
    next += count
    const result = await handler.loadPlugins(batch)
    if (result.errors.length > 0) throw new Error(`worker plugins failed to load: ${result.errors[0]?.error}`)
  }, one)
  if (handler.getStatus().loaded_plugins.some((plugin) => plugin.runtime !== "worker")) throw new Error("a plugin did not run in a worker")
  await handler.close()
  db.close()
  return cost
})
