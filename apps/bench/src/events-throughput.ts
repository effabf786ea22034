/**
 * Events per second through `handler.emit("onContainerStart", payload)`: to 100 inline plugins against
 * calling 100 equivalent hook functions concurrently, and to 10 worker plugins against the same 10 inline.
 * Each emit is awaited before the next (one event in flight, as the Docker source delivers them).
 */
import { join } from "node:path"

import type PluginHandler from "@dockstat/plugin-handler"

import { runBenchmark } from "./child.ts"
import { DB, EVENT, EVENT_PAYLOAD, createHandler, loadAllOrThrow, seedPlugins, tempDir } from "./fixtures.ts"
import { paired, spread } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const INLINE_PLUGINS = 100
const WORKER_PLUGINS = 10

async function emitAll(handler: PluginHandler, expected: number): Promise<void> {
  const report = await handler.emit(EVENT, EVENT_PAYLOAD)
  if (report.results.length !== expected || report.results.some((result) => result.status !== "ok")) {
    throw new Error(`emit reached ${report.results.length}/${expected} plugins: ${JSON.stringify(report.results.find((result) => result.status !== "ok"))}`)
  }
}

runBenchmark(async (): Promise<Row[]> => {
  const dir = tempDir()
  const inlineDb = new DB(join(dir, "events-inline.db"))
  await seedPlugins(inlineDb, { prefix: "bench-events", count: INLINE_PLUGINS, table: null, hook: "fast" })
  const inline = createHandler(inlineDb)
  await loadAllOrThrow(inline)

  // The hooks as the plugins define them, called the way a dispatcher at its simplest would.
  const { logger } = inline.getServerHooks(inline.getLoadedPlugins()[0] as number)
  const hooks = Array.from({ length: INLINE_PLUGINS }, () => {
    let seen: unknown = null
    return ({ container }: { container: { id: string }; logger: unknown; table: null }) => {
      seen = container.id
      return seen
    }
  })
  // The context built with Object.assign: `{ ...payload, logger, table }` costs ~1 us per property after
  // the spread on Node 20 (a V8 slow path), which would make this floor three times slower than emit().
  const direct = () => Promise.all(hooks.map(async (hook) => hook(Object.assign({}, EVENT_PAYLOAD, { logger, table: null }))))
  const inlineTimes = await paired(() => emitAll(inline, INLINE_PLUGINS), direct, { iterations: 500, rounds: 7, async: true })

  const workerDb = new DB(join(dir, "events-worker.db"))
  await seedPlugins(workerDb, { prefix: "bench-events-worker", count: WORKER_PLUGINS, table: null, hook: "fast" })
  const workers = createHandler(workerDb, { runtime: "worker" })
  await loadAllOrThrow(workers)
  const sameInline = createHandler(workerDb, { runtime: "inline" })
  await loadAllOrThrow(sameInline)
  const workerTimes = await paired(() => emitAll(workers, WORKER_PLUGINS), () => emitAll(sameInline, WORKER_PLUGINS), { iterations: 300, rounds: 7, async: true })

  await Promise.all([inline.close(), workers.close(), sameInline.close()])
  inlineDb.close()
  workerDb.close()

  const perSecond = (ns: number) => 1e9 / ns
  return [
    row({
      id: "events.inline-100",
      metric: `emit() to ${INLINE_PLUGINS} inline plugins (events/s)`,
      ours: perSecond(inlineTimes.ours),
      baseline: perSecond(inlineTimes.baseline),
      baselineLabel: `${INLINE_PLUGINS} equivalent hook functions called concurrently (Promise.all), context built without a spread`,
      ratio: 1 / inlineTimes.ratio,
      goal: ">= 0.70x",
      holds: 1 / inlineTimes.ratio >= 0.7,
      note: `7 alternating rounds of 500 events; ours ${spread(inlineTimes.oursRounds.map((ns) => ns / 1000), 0)} us/event`,
    }),
    row({
      id: "events.worker-10",
      metric: `emit() to ${WORKER_PLUGINS} worker plugins (events/s)`,
      ours: perSecond(workerTimes.ours),
      baseline: perSecond(workerTimes.baseline),
      baselineLabel: `emit() to the same ${WORKER_PLUGINS} plugins inline`,
      ratio: 1 / workerTimes.ratio,
      goal: "info",
      holds: null,
      note: `7 alternating rounds of 300 events; worker ${spread(workerTimes.oursRounds.map((ns) => ns / 1000), 0)} us/event`,
    }),
  ]
})
