import { describe, it } from "vitest"
import { parseManifestText } from "./parse-manifest-text.ts"
import { resolveManifest } from "./resolve-manifest.ts"
import { writeFileSync } from "node:fs"

function time(label: string, fn: () => unknown) {
  const t0 = performance.now()
  let r: unknown
  try { r = fn() } catch (e) { r = "THREW " + String((e as Error).message).slice(0, 200) }
  console.log(label, Math.round(performance.now() - t0), "ms", typeof r === "string" ? r.slice(0, 200) : "ok")
}

describe("parse attacks", () => {
  it("yaml nested flow", () => {
    for (const d of [1000, 10000, 100000, 500000]) time(`yaml flow [ depth ${d}`, () => parseManifestText("a: " + "[".repeat(d) + "]".repeat(d), { name: "m.yaml" }))
    for (const d of [1000, 5000, 20000]) time(`yaml flow {a: depth ${d}`, () => parseManifestText("{a: ".repeat(d) + "1" + "}".repeat(d), { name: "m.yaml" }))
  })
  it("yaml block nesting", () => {
    for (const d of [500, 2000, 5000]) {
      let s = ""
      for (let i = 0; i < d; i++) s += " ".repeat(i) + "a:\n"
      console.log("size", s.length)
      time(`yaml block depth ${d}`, () => parseManifestText(s, { name: "m.yaml" }))
    }
  })
  it("yaml aliases limited but wide", () => {
    // 100 aliases each to a big list
    const big = "[" + Array.from({ length: 20000 }, (_, i) => i).join(",") + "]"
    let s = `a: &a ${big}\nb: [` + Array(100).fill("*a").join(",") + "]\n"
    console.log("size", s.length)
    time("yaml 100 aliases to 20000 list", () => parseManifestText(s, { name: "m.yaml" }))
    // nested alias amplification within count
    let t = "a0: &a0 [" + Array(50).fill("x").join(",") + "]\n"
    for (let i = 1; i < 10; i++) t += `a${i}: &a${i} [*a${i-1}, *a${i-1}, *a${i-1}, *a${i-1}, *a${i-1}, *a${i-1}, *a${i-1}, *a${i-1}, *a${i-1}, *a${i-1}]\n`
    time("yaml nested alias 10^9", () => parseManifestText(t, { name: "m.yaml" }))
  })
  it("json nested", () => {
    for (const d of [10000, 100000, 500000]) time(`json [ depth ${d}`, () => parseManifestText(`{"a":` + "[".repeat(d) + "]".repeat(d) + "}", { name: "m.json" }))
  })
  it("many keys yaml", () => {
    const s = Array.from({ length: 60000 }, (_, i) => `k${i}: ${i}`).join("\n")
    console.log("size", s.length)
    time("yaml 60000 keys", () => parseManifestText(s, { name: "m.yaml" }))
  })
  it("json deep in author gets through resolve", async () => {
    const d = 100000
    const text = `{"name":"p","version":"1","plugin":"export default {}","author":{"x":` + "[".repeat(d) + "]".repeat(d) + "}}"
    writeFileSync("/tmp/atk/deep.json", text)
    const t0 = performance.now()
    const r = await resolveManifest("/tmp/atk/deep.json")
    console.log("resolve deep author", Math.round(performance.now() - t0), JSON.stringify(r).slice(0, 300))
  })
})
