import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"

/**
 * One line of the results table. `ours` and `baseline` are measured in the same run; `holds` is null for
 * rows without a goal (figures the issues ask to quote, not to judge).
 */
export interface Row {
  /** Stable key, e.g. `http.inline`; what a later run is compared by. */
  id: string
  /** What is measured, with its unit: `plugin route, inline (req/s)`. */
  metric: string
  ours: number
  /** The floor measured in the same run (`null` when the row has none). */
  baseline: number | null
  /** What the baseline is, in a few words. */
  baselineLabel: string
  /** ours / baseline. */
  ratio: number | null
  goal: string
  holds: boolean | null
  /** Anything a reader needs to trust the figure: samples, spread, how it was taken. */
  note?: string
}

/** A row whose ratio is computed from its figures. */
export function row(fields: Omit<Row, "ratio"> & { ratio?: number | null }): Row {
  const ratio = fields.ratio !== undefined ? fields.ratio : fields.baseline === null || fields.baseline === 0 ? null : fields.ours / fields.baseline
  return { ...fields, ratio }
}

/** A benchmark that crashed still gets a line, so a run never silently loses a metric. */
export function failedRow(bench: string, message: string): Row {
  return { id: `${bench}.failed`, metric: `${bench}: FAILED`, ours: Number.NaN, baseline: null, baselineLabel: "", ratio: null, goal: "runs", holds: false, note: message }
}

/** Three significant digits, grouped thousands: 12,345 / 123 / 4.56 / 0.0123. */
export function formatNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return "-"
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf"
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US")
  if (abs === 0) return "0"
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)))
  return value.toFixed(digits)
}

function formatRatio(value: number | null): string {
  return value === null || Number.isNaN(value) ? "-" : `${formatNumber(value)}x`
}

function holdsText(value: boolean | null): string {
  return value === null ? "-" : value ? "yes" : "NO"
}

/** The table as text: metric | ours | baseline | ratio | goal | holds?, then the baselines and notes. */
export function formatTable(rows: readonly Row[]): string {
  const header = ["metric", "ours", "baseline", "ratio", "goal", "holds?"]
  const cells = rows.map((r) => [r.metric, formatNumber(r.ours), formatNumber(r.baseline), formatRatio(r.ratio), r.goal, holdsText(r.holds)])
  const widths = header.map((title, index) => Math.max(title.length, ...cells.map((line) => (line[index] as string).length)))
  const numeric = new Set([1, 2, 3])
  const render = (line: string[]) =>
    `| ${line.map((cell, index) => (numeric.has(index) ? cell.padStart(widths[index] as number) : cell.padEnd(widths[index] as number))).join(" | ")} |`
  const rule = `|${widths.map((width, index) => (numeric.has(index) ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")}|`
  const lines = [render(header), rule, ...cells.map(render)]
  const notes = rows.filter((r) => r.baselineLabel || r.note).map((r) => `- ${r.metric}: baseline = ${r.baselineLabel || "none"}${r.note ? `; ${r.note}` : ""}`)
  return `${lines.join("\n")}\n\n${notes.join("\n")}`
}

export interface Results {
  startedAt: string
  durationMs: number
  node: string
  cpus: number
  /** The `--only` filters of the run (empty: every benchmark ran). */
  only: string[]
  rows: Row[]
}

export function writeResults(path: string, results: Results): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(results, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`)
}
