import { parseManifestText } from "./parse-manifest-text.ts"
const cases: Record<string, string> = {
  seq: "name: x\ntags:\n" + "- a\n".repeat(262000),
  flowseq: "name: x\ntags: [" + "a,".repeat(520000) + "a]\n",
  flowmap: "name: x\nauthor: {" + Array.from({ length: 60000 }, (_, i) => `k${i}: 1`).join(", ") + "}\n",
  longscalar: "name: x\ndescription: " + "a ".repeat(520000) + "\n",
  comments: "#" + "x".repeat(1000) + "\n".repeat(1) ,
  nestedmaps: Array.from({ length: 30000 }, (_, i) => `k${i}:\n  a: 1`).join("\n"),
}
for (const [k, s] of Object.entries(cases)) {
  const t0 = performance.now()
  try { parseManifestText(s, { name: "m.yaml" }); } catch (e) { console.log("threw", String(e).slice(0, 100)) }
  console.log(k, s.length, Math.round(performance.now() - t0), "ms")
}
