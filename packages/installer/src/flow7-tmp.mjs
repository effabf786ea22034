import { parseDocument } from "yaml"
const CODE_START = /^(?:(?:import|export)\s*(?:[{*"'`]|[A-Za-z_$][\w$]*\b(?!\s*:))|["']use strict["']|module\.exports\b)/
const LEADING_NOISE = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|#![^\n]*)*/
const HTML_START = /^\s*<(?:!doctype\s+html|html[\s>]|!--|head[\s>]|body[\s>])/i
const which = process.argv[3]
for (const d of process.argv[2].split(",").map(Number)) {
  const s = "a: " + "[".repeat(d) + "]".repeat(d)
  if (which.includes("n")) s.replace(/^\uFEFF/, "").replace(LEADING_NOISE, "")
  if (which.includes("c")) CODE_START.test(s)
  if (which.includes("h")) HTML_START.test(s)
  if (which.includes("t")) s.trim()
  if (which.includes("s")) s.trimStart().startsWith("{")
  if (which.includes("y")) { const doc = parseDocument(s, {}); console.log("RESULT", d, doc.errors.length) }
  else console.log("RESULT", d)
}
