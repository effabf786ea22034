import { describe, expect, it } from "vitest"

import { workerRuntimeUnsupported } from "./worker-runtime.ts"

describe("the worker runtime's host", () => {
  it("is Node: no objection", () => {
    expect(workerRuntimeUnsupported({ ...process.versions })).toBeNull()
  })

  it("on Bun, the objection names the missing heap cap, the ways past the module checks, and what to use instead", () => {
    const message = workerRuntimeUnsupported({ ...process.versions, bun: "1.2.0" } as NodeJS.ProcessVersions)
    expect(message).toMatch(/^the worker runtime needs Node\.js: on Bun \(1\.2\.0\) a worker thread's memory cap \(resourceLimits\) is not enforced/)
    expect(message).toMatch(/require\(\), import\.meta\.require and Bun\.spawn/)
    expect(message).toMatch(/sandbox runtime \(the default\) or "inline", or run the host on Node$/)
  })
})
