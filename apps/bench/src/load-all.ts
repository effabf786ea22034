/**
 * `loadAllPlugins()` with 10, 100 and 1000 stored plugins, each with a table, inline, each measurement a
 * fresh process opening an existing DB (a warm start: no schema diff, asserted with drizzle-kit's load
 * counter); the baseline is the floor of the same work: read the code and evaluate every module.
 */
import { runBenchmark, runChild } from "./child.ts"
import { seededDb } from "./fixtures.ts"
import type { ColdLoad } from "./fixtures.ts"
import { median, spread } from "./measure.ts"
import type { ProbeResult } from "./load-all-probe.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const SIZES = [10, 100, 1000] as const
/** Fresh processes per size and side; the small sizes only show the shape of the growth. */
const REPS: Record<(typeof SIZES)[number], number> = { 10: 1, 100: 1, 1000: 3 }
const GOAL_MS = 150
/** Linear: 10x the plugins cost at most 12x the time (10x is exactly linear; fixed costs keep it lower). */
const LINEAR_GROWTH = 12
/**
 * The V8 flag the README suggests to hosts that start hundreds of plugins: the young generation starts
 * at its usual maximum (16 MiB semi-spaces) instead of growing to it from 1 MiB while the plugins load.
 */
const YOUNG_FLAG = "--min-semi-space-size=16"

runBenchmark(async (): Promise<Row[]> => {
  const ours = new Map<number, ProbeResult[]>()
  const floor = new Map<number, ProbeResult[]>()
  const cold = new Map<number, ColdLoad>()
  const young: ProbeResult[] = []
  const allocated: { ours?: ProbeResult; floor?: ProbeResult } = {}
  for (const size of SIZES) {
    const seeded = await seededDb(size)
    cold.set(size, seeded.cold)
    ours.set(size, [])
    floor.set(size, [])
    for (let rep = 0; rep < REPS[size]; rep++) {
      // Alternate which goes first, so a busy moment of the machine does not hit one side only.
      const runOurs = async () => ours.get(size)?.push(await runChild<ProbeResult>("load-all-probe.ts", { args: ["ours", seeded.path] }))
      const runFloor = async () => floor.get(size)?.push(await runChild<ProbeResult>("load-all-probe.ts", { args: ["baseline", seeded.path] }))
      const runYoung = async () => {
        if (size === 1000) young.push(await runChild<ProbeResult>("load-all-probe.ts", { args: ["ours", seeded.path], execArgv: [YOUNG_FLAG] }))
      }
      if (rep % 2 === 0) {
        await runOurs()
        await runFloor()
        await runYoung()
      } else {
        await runYoung()
        await runFloor()
        await runOurs()
      }
    }
  }

  // What the 1000-plugin load allocates, ours and the floor's: steadier than any time on a shared machine.
  const seeded1000 = await seededDb(1000)
  allocated.ours = await runChild<ProbeResult>("load-all-probe.ts", { args: ["ours", seeded1000.path], env: { PROBE_ALLOC: "1" } })
  allocated.floor = await runChild<ProbeResult>("load-all-probe.ts", { args: ["baseline", seeded1000.path], env: { PROBE_ALLOC: "1" } })
  const kibPerPlugin = (result: ProbeResult | undefined) => (result?.allocatedBytes ?? Number.NaN) / 1024 / (result?.plugins || Number.NaN)

  const ms = (results: ProbeResult[] | undefined) => median((results ?? []).map((result) => result.ms))
  const rows: Row[] = SIZES.map((size) => {
    const mine = ours.get(size) ?? []
    const base = floor.get(size) ?? []
    if (mine.some((result) => result.plugins !== size)) throw new Error(`expected ${size} plugins loaded, got ${mine.map((result) => result.plugins).join(", ")}`)
    const value = ms(mine)
    return row({
      id: `load.${size}`,
      metric: `loadAllPlugins, ${size} plugins with tables, warm (ms)`,
      ours: value,
      baseline: ms(base),
      baselineLabel: "read the code + evaluate every module as a function (vm.Script), fresh process",
      goal: size === 1000 ? `<= ${GOAL_MS} ms` : "info",
      holds: size === 1000 ? value <= GOAL_MS : null,
      note: `${REPS[size]} fresh process(es) each: ours ${spread(mine.map((result) => result.ms), 0)} ms, floor ${spread(base.map((result) => result.ms), 0)} ms; ${(value / size).toFixed(2)} ms/plugin`,
    })
  })
  const growth = ms(ours.get(1000)) / ms(ours.get(100))
  const floorGrowth = ms(floor.get(1000)) / ms(floor.get(100))
  rows.push(
    row({
      id: "load.growth",
      metric: "loadAllPlugins growth 100 -> 1000 plugins (x)",
      ours: growth,
      baseline: floorGrowth,
      baselineLabel: "growth of the floor over the same sizes",
      goal: `<= ${LINEAR_GROWTH} (10 = linear)`,
      holds: growth <= LINEAR_GROWTH,
      note: `10 -> 100: ${(ms(ours.get(100)) / ms(ours.get(10))).toFixed(1)}x (fixed start-up costs dominate at 10)`,
    }),
  )
  const warmLoads = Math.max(...(ours.get(1000) ?? []).map((result) => result.drizzleKitLoads))
  rows.push(
    row({
      id: "load.warm-schema-diff",
      metric: "drizzle-kit imports on a warm start, 1000 plugins (count)",
      ours: warmLoads,
      baseline: cold.get(1000)?.drizzleKitLoads ?? null,
      baselineLabel: "the cold start that created the tables (drizzleKitLoadCount() in that process)",
      ratio: null,
      goal: "= 0",
      holds: warmLoads === 0,
    }),
    row({
      id: "load.1000-again",
      metric: "loadAllPlugins, the same 1000 plugins again in that process (ms)",
      ours: median((ours.get(1000) ?? []).map((result) => result.againMs ?? Number.NaN)),
      baseline: ms(ours.get(1000)),
      baselineLabel: "the process's first loadAllPlugins (load.1000)",
      goal: "info",
      holds: null,
      note: "all unloaded, then loaded again: what of load.1000 is the process's first run (JIT warm-up, heap growth, cold SQLite pages); V8 also reuses the compiled code of module text it compiled before",
    }),
    row({
      id: "load.1000-allocated",
      metric: "loadAllPlugins, 1000 plugins: allocated per plugin (KiB)",
      ours: kibPerPlugin(allocated.ours),
      baseline: kibPerPlugin(allocated.floor),
      baselineLabel: "the floor's allocation per plugin (read the code, evaluate the module)",
      goal: "info",
      holds: null,
      note: "V8's sampling heap profiler over the first load, garbage included (one fresh process each); what the collector has to deal with, and a figure that does not move with the machine's load",
    }),
    row({
      id: "load.1000-young16",
      metric: `loadAllPlugins, 1000 plugins, host started with ${YOUNG_FLAG} (ms)`,
      ours: ms(young),
      baseline: ms(ours.get(1000)),
      baselineLabel: "the same load with Node's defaults (load.1000)",
      goal: "info",
      holds: null,
      note:
        `${young.length} fresh processes: ${spread(young.map((result) => result.ms), 0)} ms; RSS after the load ${median(young.map((result) => result.rssMiB ?? Number.NaN)).toFixed(0)} MiB ` +
        `vs ${median((ours.get(1000) ?? []).map((result) => result.rssMiB ?? Number.NaN)).toFixed(0)} MiB with defaults; the young generation starts at its usual maximum instead of growing to it during the load`,
    }),
    row({
      id: "load.cold-1000",
      metric: "loadAllPlugins, 1000 new plugins, creating tables (ms)",
      ours: cold.get(1000)?.ms ?? Number.NaN,
      baseline: ms(ours.get(1000)),
      baselineLabel: "the warm start of the same plugins",
      goal: "info",
      holds: null,
    }),
  )
  return rows
})
