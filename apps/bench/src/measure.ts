/** Small statistics and timing helpers shared by the benchmarks. */

export const MiB = 1024 * 1024

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Min and max as "a-b", for notes that show the spread behind a median. */
export function spread(values: readonly number[], digits = 1): string {
  return `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`
}

const gc = (globalThis as { gc?: () => void }).gc

/** Full collections until the heap stops shrinking, then the RSS. Needs `--expose-gc`. */
export async function settledRss(): Promise<number> {
  if (gc === undefined) throw new Error("run with --expose-gc: RSS figures without a collection first are noise")
  let heap = Number.POSITIVE_INFINITY
  for (let round = 0; round < 6; round++) {
    gc()
    // Let finalizers, worker exits and freed native memory (libsql statements) go first.
    await new Promise((resolve) => setTimeout(resolve, 20))
    gc()
    const used = process.memoryUsage().heapUsed
    if (used >= heap * 0.995) break
    heap = used
  }
  return process.memoryUsage().rss
}

type Op = () => unknown

/** ns per call of a synchronous function, over `iterations` calls. */
export function timeSync(fn: Op, iterations: number): number {
  const start = process.hrtime.bigint()
  for (let index = 0; index < iterations; index++) fn()
  return Number(process.hrtime.bigint() - start) / iterations
}

/** ns per call of an async function, each call awaited before the next. */
export async function timeAsync(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.hrtime.bigint()
  for (let index = 0; index < iterations; index++) await fn()
  return Number(process.hrtime.bigint() - start) / iterations
}

export interface Paired {
  /** Median ns per call. */
  ours: number
  baseline: number
  /** Median of the per-round ratios (each round measures both, back to back). */
  ratio: number
  oursRounds: number[]
  baselineRounds: number[]
}

/**
 * Measures two functions in alternating rounds (ours, baseline, baseline, ours, ...) after a warm-up, so
 * that drift of the machine (other processes, frequency, GC) hits both alike.
 */
export async function paired(
  ours: () => unknown,
  baseline: () => unknown,
  options: { iterations: number; rounds: number; async?: boolean },
): Promise<Paired> {
  const time = async (fn: () => unknown, iterations: number) =>
    options.async ? timeAsync(fn as () => Promise<unknown>, iterations) : timeSync(fn, iterations)
  await time(ours, options.iterations)
  await time(baseline, options.iterations)
  const oursRounds: number[] = []
  const baselineRounds: number[] = []
  for (let round = 0; round < options.rounds; round++) {
    if (round % 2 === 0) {
      oursRounds.push(await time(ours, options.iterations))
      baselineRounds.push(await time(baseline, options.iterations))
    } else {
      baselineRounds.push(await time(baseline, options.iterations))
      oursRounds.push(await time(ours, options.iterations))
    }
  }
  const ratios = oursRounds.map((value, index) => value / (baselineRounds[index] as number))
  return { ours: median(oursRounds), baseline: median(baselineRounds), ratio: median(ratios), oursRounds, baselineRounds }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The monotonic clock in microseconds: the clock of `--cpu-prof` sample timestamps. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)

/**
 * Time budget of a long loop, so the whole run stays under five minutes on a busy 2-core machine:
 * `BENCH_FULL=1` lifts it (every cycle runs, however long it takes).
 */
export function budgetMs(defaultSeconds: number): number {
  return process.env.BENCH_FULL === "1" ? Number.POSITIVE_INFINITY : defaultSeconds * 1000
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0)
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0)
  return sxx === 0 ? 0 : sxy / sxx
}
