import { createHash } from "node:crypto"
import { INTEGRITY } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { sriDigest } from "./sri-digest.ts"

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

  it("changes when a single character changes", () => {
    expect(sriDigest("export default {}")).not.toBe(sriDigest("export default {} "))
  })
})
