import { parseManifestText } from "./parse-manifest-text.ts"
for (const d of process.argv[2].split(",").map(Number)) {
const s = "a: " + "[".repeat(d) + "]".repeat(d)
const t0 = performance.now()
try { parseManifestText(s, { name: "m.yaml" }); console.log("ok") } catch (e) { console.log("threw", JSON.stringify(String(e).slice(0, 100))) }
console.log("RESULT", d, Math.round(performance.now() - t0), "ms", process.memoryUsage().rss/1e6)
}
