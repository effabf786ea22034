/**
 * Host RSS over 1000 load/unload cycles of one worker plugin (with a table): ending the worker must free
 * the module. Goal: growth under 10 MiB. Runs in its own process with `--expose-gc`.
 *
 * Each cycle starts a thread, so 1000 of them can take minutes on a busy machine: the loop stops after
 * its time budget (BENCH_FULL=1 lifts it). Then the row reports the growth measured over the cycles done,
 * and the goal must hold for it and for the trend fitted through the RSS taken (after gc) every 100
 * cycles, extended to 1000. The row says which it is.
 */
import { runBenchmark } from "./child.ts"
import { DB, createHandler, seededDb } from "./fixtures.ts"
import { MiB, budgetMs, settledRss, slope } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const CYCLES = 1000
const WARMUP = 50
const CHECKPOINT = 100
const GOAL_MIB = 10
const BUDGET_MS = budgetMs(35)

runBenchmark(async (): Promise<Row[]> => {
  const { path } = await seededDb(1)
  const db = new DB(path)
  const handler = createHandler(db, { runtime: "worker" })
  const [id] = handler.getAll().map((plugin) => plugin.id) as [number]
  const cycle = async () => {
    const instance = await handler.loadPlugin(id)
    if (instance.runtime !== "worker") throw new Error("the plugin did not run in a worker")
    await handler.close() // unloads it and waits until the worker has ended
  }
  for (let index = 0; index < WARMUP; index++) await cycle()
  const before = await settledRss()
  const points: [number, number][] = [[0, before]]
  let done = 0
  let busyMs = 0
  while (done < CYCLES && busyMs < BUDGET_MS) {
    const begun = performance.now()
    await cycle()
    busyMs += performance.now() - begun
    done += 1
    if (done % CHECKPOINT === 0) points.push([done, await settledRss()])
  }
  const msPerCycle = busyMs / done
  const after = done % CHECKPOINT === 0 ? (points[points.length - 1] as [number, number])[1] : await settledRss()
  if (done % CHECKPOINT !== 0) points.push([done, after])
  db.close()
  const measured = (after - before) / MiB
  const complete = done === CYCLES
  // Short of 1000 cycles: the least-squares trend through the gc'd samples, extended to 1000 cycles.
  const projected = complete ? measured : (slope(points) * CYCLES) / MiB
  const trail = points.map(([, rss]) => (rss / MiB).toFixed(0)).join(" ")
  return [
    row({
      id: "worker.rss-1000-cycles",
      metric: `host RSS growth over ${done} load/unload cycles of one worker plugin (MiB)`,
      ours: measured,
      baseline: before / MiB,
      baselineLabel: `RSS after ${WARMUP} warm-up cycles, same process (after gc)`,
      ratio: after / before,
      goal: `< ${GOAL_MIB} MiB per ${CYCLES}`,
      holds: measured < GOAL_MIB && projected < GOAL_MIB,
      note: complete
        ? `all ${CYCLES} cycles; ${msPerCycle.toFixed(1)} ms per load+unload; RSS every 100 cycles: ${trail} MiB`
        : `PARTIAL: ${done} of ${CYCLES} cycles ran in the ${BUDGET_MS / 1000} s budget (${msPerCycle.toFixed(1)} ms per load+unload); trend extended to ${CYCLES} cycles: ${projected.toFixed(1)} MiB; RSS every 100 cycles: ${trail} MiB; BENCH_FULL=1 runs all ${CYCLES}`,
    }),
  ]
})
