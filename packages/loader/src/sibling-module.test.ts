import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"

import { siblingModule } from "./sibling-module.ts"

describe("siblingModule", () => {
  it("names the runtime entries esbuild bundles, with the extension this package runs as (.ts here, .js built)", () => {
    for (const name of ["worker-main", "sandbox-guest"]) {
      expect(siblingModule(name)).toMatch(new RegExp(`/src/${name}\\.ts$`))
      expect(existsSync(siblingModule(name))).toBe(true)
    }
  })
})
