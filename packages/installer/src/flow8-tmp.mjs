import { parseDocument } from "yaml"
const PARSE_OPTIONS = { schema: "core", customTags: null, resolveKnownTags: false, merge: false, uniqueKeys: true, strict: true, prettyErrors: true }
for (const d of process.argv[2].split(",").map(Number)) {
  const s = "a: " + "[".repeat(d) + "]".repeat(d)
  const doc = parseDocument(s, PARSE_OPTIONS)
  const e = doc.errors[0]
  if (process.argv[3] === "split") console.log(e.message.split("\n", 1)[0])
  console.log("RESULT", d, doc.errors.length)
}
