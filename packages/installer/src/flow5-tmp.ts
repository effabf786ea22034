import { parseManifestText } from "./parse-manifest-text.ts"
const d = Number(process.argv[2])
const s = "a: " + "[".repeat(d) + "]".repeat(d) + "\nb: " + "[".repeat(d) + "]".repeat(d)
try { parseManifestText(s, { name: "m.yaml" }); console.log("ok") } catch (e) { console.log("threw", JSON.stringify(String(e).slice(0, 100))) }
console.log("RESULT one doc survived")
