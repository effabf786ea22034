import { parseManifestText } from "./parse-manifest-text.ts"
const d = Number(process.argv[2]); const mode = process.argv[3]
const s = mode === "obj" ? "{a: ".repeat(d) + "1" + "}".repeat(d) : "a: " + "[".repeat(d) + "]".repeat(d)
const t0 = performance.now()
try { parseManifestText(s, { name: "m.yaml" }); console.log("ok") } catch (e) { console.log("threw", JSON.stringify(String(e).slice(0, 150))) }
console.log(d, Math.round(performance.now() - t0), "ms", process.memoryUsage().rss/1e6)
