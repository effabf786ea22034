import { parseDocument } from "yaml"
const opts = JSON.parse(process.argv[3] ?? "{}")
for (const d of process.argv[2].split(",").map(Number)) {
  const s = "a: " + "[".repeat(d) + "]".repeat(d)
  const doc = parseDocument(s, opts)
  console.log("RESULT", d, doc.errors.length)
}
