/**
 * `pnpm bench`: runs every benchmark, each in its own process, prints one table (metric | ours | baseline |
 * ratio | goal | holds?) and writes the same rows to bench/results.json at the workspace root.
 *
 *   pnpm bench                          every benchmark
 *   pnpm bench -- --only http,events    those whose name contains "http" or "events"
 *   BENCH_ONLY=table pnpm bench         the same through the environment
 *   pnpm bench -- --list                the names
 *
 * A goal that does not hold is reported, not an error; a benchmark that crashes is (exit code 1).
 */
import { fileURLToPath } from "node:url"
import { cpus } from "node:os"

import { runChild } from "./child.ts"
import { tempDir } from "./fixtures.ts"
import { failedRow, formatTable, writeResults } from "./report.ts"
import type { Row } from "./report.ts"

/** In the order they run; each file is one benchmark. */
const BENCHMARKS = [
  "http-route",
  "handle-route",
  "table-api",
  "load-all",
  "rss-reload",
  "status-calls",
  "worker-cost",
  "sandbox-cost",
  "worker-cycles",
  "events-throughput",
  "events-slow-hook",
  "scale",
] as const

const RESULTS = fileURLToPath(new URL("../../../bench/results.json", import.meta.url))

function parseArgs(argv: readonly string[]): { only: string[]; list: boolean } {
  const only: string[] = []
  let list = false
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string
    if (arg === "--") continue
    if (arg === "--list") list = true
    else if (arg === "--only") only.push(...(argv[++index] ?? "").split(","))
    else if (arg.startsWith("--only=")) only.push(...arg.slice("--only=".length).split(","))
    else throw new Error(`unknown argument ${arg}; use --only <substring>[,<substring>] or --list`)
  }
  only.push(...(process.env.BENCH_ONLY ?? "").split(","))
  return { only: only.map((item) => item.trim()).filter(Boolean), list }
}

async function main(): Promise<number> {
  const { only, list } = parseArgs(process.argv.slice(2))
  if (list) {
    console.log(BENCHMARKS.join("\n"))
    return 0
  }
  const selected = BENCHMARKS.filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  if (selected.length === 0) {
    console.error(`no benchmark matches ${only.join(", ")}; there are: ${BENCHMARKS.join(", ")}`)
    return 1
  }
  // Seeded databases are made once per run and copied by every benchmark that needs them.
  process.env.DOCKSTAT_BENCH_CACHE = tempDir("dockstat-bench-cache-")

  const startedAt = new Date()
  const began = performance.now()
  const rows: Row[] = []
  let crashed = 0
  for (const name of selected) {
    const started = performance.now()
    process.stderr.write(`bench: ${name} ...`)
    try {
      rows.push(...(await runChild<Row[]>(`${name}.ts`, { timeoutMs: 240_000 })))
      process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
    } catch (error) {
      crashed += 1
      const message = error instanceof Error ? error.message : String(error)
      process.stderr.write(` FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s\n${message}\n`)
      rows.push(failedRow(name, message.split("\n")[0] ?? message))
    }
  }
  const durationMs = performance.now() - began
  console.log(`\n${formatTable(rows)}\n`)
  const judged = rows.filter((row) => row.holds !== null)
  console.log(`${judged.filter((row) => row.holds).length} of ${judged.length} goals hold; ${selected.length} benchmarks in ${(durationMs / 1000).toFixed(0)} s`)
  writeResults(RESULTS, { startedAt: startedAt.toISOString(), durationMs, node: process.version, cpus: cpus().length, only, rows })
  console.log(`written to ${RESULTS}`)
  return crashed > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
