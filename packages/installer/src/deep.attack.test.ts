import { it } from "vitest"
import { writeFileSync } from "node:fs"
import { resolveManifest } from "./resolve-manifest.ts"
it("deep author", async () => {
  for (const d of [1000, 5000, 10000, 100000]) {
    const text = `{"name":"p","version":"1","plugin":"export default {}","author":{"x":` + "[".repeat(d) + "]".repeat(d) + "}}"
    writeFileSync("/tmp/atk/deep.json", text)
    try {
      const r = await resolveManifest("/tmp/atk/deep.json")
      console.log("RESULT", d, JSON.stringify(r).length > 500 ? JSON.stringify(r).slice(0, 200) : JSON.stringify(r))
    } catch (e) { console.log("RESULT THREW", d, String(e), (e as Error).stack?.split("\n").slice(0, 12).join("\n")) }
  }
})
