/**
 * Per-plugin RSS and start time of the worker runtime (N = 20 plugins with tables, loaded together),
 * against bare worker threads with the same resource limits, each in a fresh process.
 * Goals: at most 8 MiB and 50 ms per plugin.
 */
import { runBenchmark, runChild } from "./child.ts"
import { seededDb } from "./fixtures.ts"
import { MiB } from "./measure.ts"
import type { WorkerCost } from "./worker-cost-probe.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const N = 20
/** One warm-up plugin, N measured, 5 single starts. */
const STORED = N + 1 + 5

runBenchmark(async (): Promise<Row[]> => {
  const { path } = await seededDb(STORED)
  const ours = await runChild<WorkerCost>("worker-cost-probe.ts", { args: ["ours", path, String(N)] })
  const bare = await runChild<WorkerCost>("worker-cost-probe.ts", { args: ["bare", path, String(N)] })
  return [
    row({
      id: "worker.rss-per-plugin",
      metric: `worker runtime RSS per plugin, ${N} plugins (MiB)`,
      ours: ours.rssPerPlugin / MiB,
      baseline: bare.rssPerPlugin / MiB,
      baselineLabel: "a bare worker thread with the same resourceLimits",
      goal: "<= 8 MiB",
      holds: ours.rssPerPlugin / MiB <= 8,
      note: "RSS delta / N after gc, fresh process, after one warm-up plugin",
    }),
    row({
      id: "worker.start-per-plugin",
      metric: `worker runtime start time per plugin, ${N} loaded together (ms)`,
      ours: ours.msPerPlugin,
      baseline: bare.msPerPlugin,
      baselineLabel: "bare worker threads started together, until their first message",
      goal: "<= 50 ms",
      holds: ours.msPerPlugin <= 50,
      note: `one plugin started alone: ${ours.singleMs.toFixed(1)} ms (bare worker ${bare.singleMs.toFixed(1)} ms)`,
    }),
  ]
})
