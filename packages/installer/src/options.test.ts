import { isPluginError } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { systemLookup } from "./network-policy.ts"
import { DEFAULT_OPTIONS, resolveOptions } from "./options.ts"

describe("resolveOptions", () => {
  it("fills in the documented defaults", () => {
    expect(resolveOptions()).toEqual({ timeoutMs: 5000, maxManifestBytes: 1048576, maxCodeBytes: 5242880, maxRedirects: 5, allowPrivateNetwork: false, lookup: systemLookup })
    expect(resolveOptions({ timeoutMs: 300 })).toEqual({ ...DEFAULT_OPTIONS, timeoutMs: 300 })
  })

  it("allows private networks only when told so with true", () => {
    expect(resolveOptions({ allowPrivateNetwork: true }).allowPrivateNetwork).toBe(true)
    expect(resolveOptions({ allowPrivateNetwork: "false" as unknown as boolean }).allowPrivateNetwork).toBe(false)
  })

  it("allows following no redirects at all", () => {
    expect(resolveOptions({ maxRedirects: 0 }).maxRedirects).toBe(0)
  })

  it.each([
    [{ timeoutMs: 0 }, "timeoutMs"],
    [{ timeoutMs: Number.NaN }, "timeoutMs"],
    [{ maxManifestBytes: -1 }, "maxManifestBytes"],
    [{ maxCodeBytes: 1.5 }, "maxCodeBytes"],
    [{ maxRedirects: -1 }, "maxRedirects"],
  ])("refuses %o, which would switch a check off", (options, name) => {
    try {
      resolveOptions(options)
      expect.unreachable()
    } catch (error) {
      expect(isPluginError(error) && error.message).toMatch(new RegExp(`^Option ${name} must be an integer`))
    }
  })
})
