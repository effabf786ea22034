import { createHash } from "node:crypto"
import { INTEGRITY } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { sriAlgorithm, sriDigest } from "./sri-digest.ts"

describe("sriDigest", () => {
  it("gives the well-known SHA-256 of the empty string in SRI form", () => {
    expect(sriDigest("")).toBe("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
  })

  it("hashes the UTF-8 bytes, so it matches a digest of the published file", () => {
    const code = 'export default { name: "grüße-✓" }\n'
    const expected = `sha256-${createHash("sha256").update(Buffer.from(code, "utf8")).digest("base64")}`
    expect(sriDigest(code)).toBe(expected)
  })

  it("produces strings the manifest schema accepts as integrity", () => {
    expect(sriDigest("export default {}")).toMatch(INTEGRITY)
  })

  it("gives sha384 and sha512 digests in SRI form, which the manifest schema accepts too", () => {
    expect(sriDigest("", "sha384")).toBe("sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb")
    const code = "export default {}"
    expect(sriDigest(code, "sha512")).toBe(`sha512-${createHash("sha512").update(code).digest("base64")}`)
    expect(sriDigest(code, "sha384")).toMatch(INTEGRITY)
    expect(sriDigest(code, "sha512")).toMatch(INTEGRITY)
  })

  it("names the algorithm of an SRI string, and none for an algorithm it does not know", () => {
    expect(sriAlgorithm(sriDigest("x", "sha384"))).toBe("sha384")
    expect(sriAlgorithm("sha256-abc")).toBe("sha256")
    expect(sriAlgorithm("md5-abc")).toBeUndefined()
  })

  it("changes when a single character changes", () => {
    expect(sriDigest("export default {}")).not.toBe(sriDigest("export default {} "))
  })
})
