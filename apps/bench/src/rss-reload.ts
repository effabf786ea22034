/**
 * RSS of the host after 10 unload/reload cycles of 1000 inline plugins (each with a table) against its RSS
 * after the first load. Goal: flat. Runs in its own process with `--expose-gc`; every figure is taken
 * after full collections. A cycle that takes long on a busy machine ends the loop at its time budget
 * (BENCH_FULL=1 lifts it); the growth is then projected to 10 cycles, and the row says so.
 */
import { runBenchmark } from "./child.ts"
import { DB, createHandler, loadAllOrThrow, seededDb } from "./fixtures.ts"
import { MiB, budgetMs, settledRss, slope } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const PLUGINS = 1000
const CYCLES = 10
const MIN_CYCLES = 3
/** Flat: within 5% of the RSS after the first load. */
const FLAT = 1.05
const BUDGET_MS = budgetMs(40)

runBenchmark(async (): Promise<Row[]> => {
  const { path } = await seededDb(PLUGINS)
  const db = new DB(path)
  const handler = createHandler(db)
  await loadAllOrThrow(handler)
  const first = await settledRss()
  const heapFirst = process.memoryUsage().heapUsed
  const points: [number, number][] = [[0, first]]
  let busyMs = 0
  while (points.length <= CYCLES && (points.length <= MIN_CYCLES || busyMs < BUDGET_MS)) {
    const started = performance.now()
    await handler.close() // unloads every plugin and waits until each is released
    await loadAllOrThrow(handler)
    busyMs += performance.now() - started
    points.push([points.length, await settledRss()])
  }
  const heapLast = process.memoryUsage().heapUsed
  await handler.close()
  db.close()
  const done = points.length - 1
  const last = (points[done] as [number, number])[1]
  const complete = done === CYCLES
  const after = complete ? last : first + slope(points) * CYCLES
  const growth = (after - first) / MiB
  return [
    row({
      id: "rss.reload-1000-inline",
      metric: `RSS after ${CYCLES} unload/reload cycles of ${PLUGINS} inline plugins (MiB)`,
      ours: after / MiB,
      baseline: first / MiB,
      baselineLabel: "RSS after the first load, same process (both after gc)",
      goal: `flat (<= ${FLAT}x)`,
      holds: after / first <= FLAT,
      note:
        `${complete ? "" : `PROJECTED from ${done} of ${CYCLES} cycles in the ${BUDGET_MS / 1000} s budget; `}growth ${growth.toFixed(1)} MiB (${(growth / CYCLES).toFixed(1)} MiB/cycle), ` +
        `heap ${(heapFirst / MiB).toFixed(0)} -> ${(heapLast / MiB).toFixed(0)} MiB after ${done} cycles; ${(busyMs / done).toFixed(0)} ms per reload of ${PLUGINS}; ` +
        `RSS after the first load and after each cycle: ${points.map(([, rss]) => (rss / MiB).toFixed(0)).join(" ")} MiB ` +
        `(cycle 1 -> ${done}: ${done > 1 ? `${((last - (points[1] as [number, number])[1]) / MiB).toFixed(1)} MiB` : "-"})`,
    }),
  ]
})
