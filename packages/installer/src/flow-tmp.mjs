import { parseDocument } from "yaml"
const d = Number(process.argv[2]); const closed = process.argv[3] === "closed"
const s = "a: " + "[".repeat(d) + (closed ? "]".repeat(d) : "")
const t0 = performance.now()
try { const doc = parseDocument(s, { schema: "core", customTags: null, resolveKnownTags: false, merge: false, uniqueKeys: true, strict: true, prettyErrors: true }); console.log("errors", doc.errors.length, JSON.stringify(doc.errors[0]?.message.slice(0,100))); doc.toJS({maxAliasCount:100}) } catch (e) { console.log("threw", String(e).slice(0, 200)) }
console.log(d, Math.round(performance.now() - t0), "ms")
