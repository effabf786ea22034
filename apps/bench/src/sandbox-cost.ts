/**
 * Per-plugin RSS and start time of the sandbox runtime (a QuickJS engine in its own WebAssembly memory per
 * plugin; N = 20 small plugins with a table and a route, loaded together), against the same plugins
 * loaded inline, each in a fresh process. Goals (issue #11): at most 2 MiB and 5 ms per plugin.
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
const RSS_GOAL_MIB = 2
const START_GOAL_MS = 5

runBenchmark(async (): Promise<Row[]> => {
  const { path } = await seededDb(STORED)
  const ours = await runChild<WorkerCost>("worker-cost-probe.ts", { args: ["sandbox", path, String(N)] })
  const inline = await runChild<WorkerCost>("worker-cost-probe.ts", { args: ["inline", path, String(N)] })
  const linear = ours.linearMemoryPerPlugin === undefined ? "" : `; linear memory per engine ${(ours.linearMemoryPerPlugin / MiB).toFixed(1)} MiB (reserved, mostly untouched)`
  return [
    row({
      id: "sandbox.rss-per-plugin",
      metric: `sandbox runtime RSS per plugin, ${N} plugins (MiB)`,
      ours: ours.rssPerPlugin / MiB,
      baseline: inline.rssPerPlugin / MiB,
      baselineLabel: "the same plugins loaded inline",
      goal: `<= ${RSS_GOAL_MIB} MiB`,
      holds: ours.rssPerPlugin / MiB <= RSS_GOAL_MIB,
      note: `RSS delta / N after gc, fresh process, after one warm-up plugin${linear}`,
    }),
    row({
      id: "sandbox.start-per-plugin",
      metric: `sandbox runtime start time per plugin, ${N} loaded together (ms)`,
      ours: ours.msPerPlugin,
      baseline: inline.msPerPlugin,
      baselineLabel: "the same plugins loaded inline, together",
      goal: `<= ${START_GOAL_MS} ms`,
      holds: ours.msPerPlugin <= START_GOAL_MS,
      note:
        `one plugin loaded alone: ${ours.singleMs.toFixed(1)} ms (inline ${inline.singleMs.toFixed(1)} ms); ` +
        `the first of the process (compiles QuickJS, builds the guest bundle): ${ours.firstMs.toFixed(0)} ms (inline ${inline.firstMs.toFixed(0)} ms)`,
    }),
  ]
})
