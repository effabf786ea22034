/**
 * Reads a `node --cpu-prof` profile and prints the functions with the most self time, optionally only
 * within a window of the monotonic clock (what the probes report as `window`).
 *
 *   pnpm exec tsx src/cpu-profile.ts <file.cpuprofile> [fromUs toUs] [top]
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  ms: number
  share: number
}

/** This checkout's root as a file URL: frames are named relative to it. */
const REPO_ROOT = new URL("../../../", import.meta.url).href

function frameName(frame: ProfileNode["callFrame"]): string {
  const file = frame.url.replace(REPO_ROOT, "").replace(/^.*node_modules\/\.pnpm\/([^/]+)\/node_modules\//, "$1/")
  return `${frame.functionName || "(anonymous)"} ${file ? `${file}:${frame.lineNumber + 1}` : ""}`.trim()
}

/**
 * Self time per function (name, file, line), largest first, and inclusive time (the function or anything
 * it called on the stack); `window` keeps samples inside [from, to] us.
 */
export function selfTimes(profile: Profile, window?: [number, number]): { total: number; top: SelfTime[]; inclusive: SelfTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const totals = new Map<string, number>()
  const inclusiveTotals = new Map<string, number>()
  let time = profile.startTime
  let total = 0
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    time += delta
    if (window && (time < window[0] || time > window[1])) return
    const frame = byId.get(id)?.callFrame
    if (!frame) return
    const name = frameName(frame)
    totals.set(name, (totals.get(name) ?? 0) + delta)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)
      if (node) seen.add(frameName(node.callFrame))
    }
    for (const entry of seen) inclusiveTotals.set(entry, (inclusiveTotals.get(entry) ?? 0) + delta)
    total += delta
  })
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / total }))
  return { total: total / 1000, top: sorted(totals), inclusive: sorted(inclusiveTotals) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `| head` closes the pipe early: that is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error
  })
  const [file, from, to, count] = process.argv.slice(2)
  if (!file) throw new Error("usage: cpu-profile.ts <file.cpuprofile> [fromUs toUs] [top]")
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
  const { total, top, inclusive } = selfTimes(profile, from && to ? [Number(from), Number(to)] : undefined)
  console.log(`${total.toFixed(0)} ms sampled; self time:`)
  for (const entry of top.slice(0, Number(count ?? 25))) console.log(`${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(1).padStart(8)} ms  ${entry.name}`)
  console.log("inclusive time:")
  for (const entry of inclusive.slice(0, Number(count ?? 25))) console.log(`${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(1).padStart(8)} ms  ${entry.name}`)
}
