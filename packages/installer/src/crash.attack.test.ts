import { it } from "vitest"
import { parseManifestText } from "./parse-manifest-text.ts"
const ds = (process.env.DS ?? "").split(",").map(Number)
it("x", () => {
  for (const d of ds) {
  const s = "a: " + "[".repeat(d) + "]".repeat(d)
  const t0 = performance.now()
  try { parseManifestText(s, { name: "m.yaml" }); console.log("ok") } catch (e) { console.log("threw", JSON.stringify(String(e).slice(0, 150))) }
  console.log("RESULT", d, Math.round(performance.now() - t0), "ms", process.memoryUsage().rss/1e6)
  }
}, 120000)
