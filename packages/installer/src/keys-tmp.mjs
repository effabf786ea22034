import { parseDocument } from "yaml"
import { readFileSync } from "node:fs"
const s = readFileSync("/tmp/rvw-sec-9q2/srv/keys.yaml", "utf8").split("\n").slice(0, 20000).join("\n")
for (const uk of [true, false]) { const t0 = performance.now(); const d = parseDocument(s, { uniqueKeys: uk, strict: true, schema: "core" }); console.log("uniqueKeys", uk, Math.round(performance.now() - t0), "ms", d.errors.length) }
const t0 = performance.now(); JSON.parse("{" + s.split("\n").map((l) => { const [k, v] = l.split(": "); return `"${k}":${v}` }).join(",") + "}"); console.log("json", Math.round(performance.now() - t0))
