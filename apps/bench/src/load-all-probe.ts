/**
 * One measurement of load-all.ts, in a fresh process (a warm start is a new process opening an existing
 * DB). argv: <mode> <dbPath> [count]
 * - seed: stores `count` plugins with tables and loads them once (creating the tables): the cold start;
 * - ours: `loadAllPlugins()` on the seeded DB, and how often drizzle-kit was imported meanwhile;
 * - baseline: the floor of loading the same code: read it from the DB and evaluate every module as a
 *   function (vm.Script, its import line and `export default` rewritten by hand), nothing else.
 * With PROBE_ALLOC=1 (ours and baseline) the measured load runs under V8's sampling heap profiler, garbage
 * included, and the result carries what it allocated: a figure that, unlike the time, does not move with
 * the machine's load (the time of such a run is not comparable).
 */
import { Session } from "node:inspector/promises"
import { Script } from "node:vm"
import { column } from "@dockstat/plugin-handler"

import { drizzleKitLoadCount } from "@dockstat/plugin-store"

import { sendResult } from "./child.ts"
import { DB, createHandler, loadAllOrThrow, pluginCode, pluginInput } from "./fixtures.ts"
import { monotonicUs } from "./measure.ts"

export interface ProbeResult {
  ms: number
  /** The measured span on the monotonic clock in us, to cut a `--cpu-prof` profile to it. */
  window: [number, number]
  plugins: number
  drizzleKitLoads: number
  /** `ours`: the process's resident memory right after the first load, MiB. */
  rssMiB?: number
  /** With PROBE_ALLOC=1: bytes allocated during the measured load (sampled), garbage included. */
  allocatedBytes?: number
  /**
   * `ours` only: the same plugins unloaded and loaded again in this process, ms. What of the first load
   * is the process's first run (JIT warm-up, heap growth, cold SQLite pages); V8 also reuses the compiled
   * code of module text it has compiled before.
   */
  againMs?: number
}

const [mode, dbPath, count] = process.argv.slice(2) as [string, string, string | undefined]
const SDK = "@dockstat/plugin-handler"

interface SamplingNode {
  selfSize: number
  children: SamplingNode[]
}

/** Starts V8's sampling heap profiler (every ~4 KiB, objects collected since included) when PROBE_ALLOC=1; the stop function sums what it saw. */
async function sampleAllocations(): Promise<() => Promise<number | undefined>> {
  if (process.env.PROBE_ALLOC !== "1") return async () => undefined
  const session = new Session()
  session.connect()
  await session.post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
  return async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling")
    session.disconnect()
    const sum = (node: SamplingNode): number => node.children.reduce((total, child) => total + sum(child), node.selfSize)
    return sum(profile.head as SamplingNode)
  }
}

void sendResult(async (): Promise<ProbeResult> => {
  const db = new DB(dbPath)
  const handler = createHandler(db)
  if (mode === "seed") {
    for (let index = 0; index < Number(count); index++) {
      const name = `bench-load-${index}`
      const saved = handler.savePlugin(pluginInput(name, pluginCode({ name })))
      if (!saved.success) throw new Error(saved.message)
    }
  }
  if (mode === "seed" || mode === "ours") {
    const stopSampling = await sampleAllocations()
    const from = monotonicUs()
    const started = performance.now()
    const loaded = await loadAllOrThrow(handler)
    const ms = performance.now() - started
    const allocatedBytes = await stopSampling()
    const window: [number, number] = [from, monotonicUs()]
    const rssMiB = process.memoryUsage().rss / (1024 * 1024)
    let againMs: number | undefined
    if (mode === "ours") {
      for (const id of loaded) handler.unloadPlugin(id)
      // Unloads finish off the caller's turn; let them, and the collector, settle first.
      await new Promise((resolve) => setTimeout(resolve, 200))
      const again = performance.now()
      const reloaded = await loadAllOrThrow(handler)
      againMs = performance.now() - again
      if (reloaded.length !== loaded.length) throw new Error(`loaded ${loaded.length} plugins, then ${reloaded.length}`)
    }
    await handler.close()
    db.close()
    return {
      ms,
      window,
      plugins: loaded.length,
      drizzleKitLoads: drizzleKitLoadCount(),
      rssMiB,
      ...(againMs === undefined ? {} : { againMs }),
      ...(allocatedBytes === undefined ? {} : { allocatedBytes }),
    }
  }
  const stopSampling = await sampleAllocations()
  const from = monotonicUs()
  const started = performance.now()
  const rows = db.client.prepare("SELECT id, plugin FROM plugins WHERE enabled = 1 ORDER BY id").all() as { id: number; plugin: string }[]
  const modules = rows.map(({ id, plugin }) => {
    // The code is ours (fixtures.ts): one import line, one `export default`.
    const body = plugin.replace(`import { column } from "${SDK}"`, "").replace("export default", "return")
    const factory = new Script(`(function (column) {${body}\n})`, { filename: `plugin-${id}.js` }).runInThisContext() as (sdk: typeof column) => unknown
    return factory(column)
  })
  const ms = performance.now() - started
  const allocatedBytes = await stopSampling()
  if (modules.some((module) => typeof module !== "object")) throw new Error("a module has no default export")
  db.close()
  return { ms, window: [from, monotonicUs()], plugins: modules.length, drizzleKitLoads: drizzleKitLoadCount(), ...(allocatedBytes === undefined ? {} : { allocatedBytes }) }
})
