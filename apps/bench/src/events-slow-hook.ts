/**
 * Latency of fast plugins' hooks while one plugin's hook is slow (sleeps 200 ms), from the emit report
 * (`report.results[i].ms`), against the same fast plugins emitted to without the slow one. Events arrive
 * every few ms without waiting for the previous emit, so slow calls overlap fast ones.
 * Goal: fast plugins unaffected, p99 under 5 ms; inline and worker runtimes.
 */
import { join } from "node:path"

import type PluginHandler from "@dockstat/plugin-handler"

import { runBenchmark } from "./child.ts"
import { DB, EVENT, EVENT_PAYLOAD, createHandler, pluginCode, pluginInput, tempDir } from "./fixtures.ts"
import { percentile, sleep } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const SLOW_MS = 200
const EVENTS = 40
const SPACING_MS = 5
const GOAL_P99_MS = 5

/** Stores `fast` plugins with a no-op hook and one whose hook sleeps; returns their ids. */
function store(handler: PluginHandler, prefix: string, fast: number): { fastIds: number[]; slowId: number } {
  const save = (name: string, hook: "fast" | { sleepMs: number }) => {
    const saved = handler.savePlugin(pluginInput(name, pluginCode({ name, table: null, hook })))
    if (!saved.success) throw new Error(saved.message)
    return saved.id
  }
  const fastIds = Array.from({ length: fast }, (_, index) => save(`${prefix}-fast-${index}`, "fast"))
  return { fastIds, slowId: save(`${prefix}-slow`, { sleepMs: SLOW_MS }) }
}

/** Emits EVENTS events SPACING_MS apart and returns the completion times (ms) of the fast plugins. */
async function fastLatencies(handler: PluginHandler, fastNames: ReadonlySet<string>): Promise<number[]> {
  const reports = []
  for (let index = 0; index < EVENTS; index++) {
    reports.push(handler.emit(EVENT, EVENT_PAYLOAD))
    await sleep(SPACING_MS)
  }
  const times: number[] = []
  for (const report of await Promise.all(reports)) {
    for (const result of report.results) {
      if (result.status !== "ok") throw new Error(`${result.plugin}: ${result.status}`)
      if (fastNames.has(result.plugin)) times.push(result.ms)
    }
  }
  return times
}

async function scenario(dbPath: string, runtime: "inline" | "worker", fast: number) {
  const db = new DB(dbPath)
  const setup = createHandler(db)
  const prefix = `bench-slow-${runtime}`
  const { fastIds, slowId } = store(setup, prefix, fast)
  const withSlow = createHandler(db, { runtime })
  const fastOnly = createHandler(db, { runtime })
  for (const [handler, ids] of [[withSlow, [...fastIds, slowId]], [fastOnly, fastIds]] as const) {
    const result = await handler.loadPlugins([...ids])
    if (result.errors.length > 0) throw new Error(`load failed: ${result.errors[0]?.error}`)
  }
  const fastNames = new Set(fastIds.map((_, index) => `${prefix}-fast-${index}`))
  // Warm-up of both, then measured runs in both orders.
  await fastLatencies(withSlow, fastNames)
  await fastLatencies(fastOnly, fastNames)
  const slow = [...(await fastLatencies(withSlow, fastNames))]
  const base = [...(await fastLatencies(fastOnly, fastNames))]
  base.push(...(await fastLatencies(fastOnly, fastNames)))
  slow.push(...(await fastLatencies(withSlow, fastNames)))
  await Promise.all([withSlow.close(), fastOnly.close(), setup.close()])
  db.close()
  return { slow, base }
}

runBenchmark(async (): Promise<Row[]> => {
  const dir = tempDir()
  const inline = await scenario(join(dir, "slow-inline.db"), "inline", 20)
  const worker = await scenario(join(dir, "slow-worker.db"), "worker", 5)
  const rows: Row[] = []
  for (const [runtime, result, fast] of [["inline", inline, 20], ["worker", worker, 5]] as const) {
    const note = `${fast} fast plugins + 1 sleeping ${SLOW_MS} ms; ${EVENTS} events ${SPACING_MS} ms apart, twice; ${result.slow.length} samples`
    const p99 = percentile(result.slow, 99)
    rows.push(
      row({
        id: `events.slow-hook-p50-${runtime}`,
        metric: `fast hooks p50 while one hook is slow, ${runtime} (ms)`,
        ours: percentile(result.slow, 50),
        baseline: percentile(result.base, 50),
        baselineLabel: "the same fast plugins without the slow one",
        goal: "info",
        holds: null,
        note,
      }),
      row({
        id: `events.slow-hook-p99-${runtime}`,
        metric: `fast hooks p99 while one hook is slow, ${runtime} (ms)`,
        ours: p99,
        baseline: percentile(result.base, 99),
        baselineLabel: "the same fast plugins without the slow one",
        goal: `< ${GOAL_P99_MS} ms`,
        holds: p99 < GOAL_P99_MS,
        note: `max ${Math.max(...result.slow).toFixed(2)} ms (without the slow plugin ${Math.max(...result.base).toFixed(2)} ms)`,
      }),
    )
  }
  return rows
})
