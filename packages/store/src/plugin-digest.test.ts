import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"

import { codeDigest, createPluginSigner } from "./plugin-digest.ts"

const signer = createPluginSigner(Buffer.alloc(32, 1))
const other = createPluginSigner(Buffer.alloc(32, 2))
const fields = { name: "p", plugin: "export default {}", permissions: { network: ["api.example.com"], env: ["TOKEN"] } }

describe("plugin digests", () => {
  it("are an HMAC-SHA256 under the host key, not a plain hash of the code", () => {
    const digest = signer.sign(fields)
    expect(digest).toMatch(/^hmac-sha256:[0-9a-f]{64}$/)
    expect(digest).not.toContain(codeDigest(fields.plugin))
    expect(signer.check({ ...fields, digest })).toBe("valid")
    expect(other.check({ ...fields, digest })).toBe("invalid")
  })

  it("cover the code, the permissions and the name", () => {
    const digest = signer.sign(fields)
    expect(signer.check({ ...fields, digest, plugin: `${fields.plugin} ` })).toBe("invalid")
    expect(signer.check({ ...fields, digest, name: "q" })).toBe("invalid")
    expect(signer.check({ ...fields, digest, permissions: { network: ["api.example.com", "evil.example.com"], env: ["TOKEN"] } })).toBe("invalid")
    expect(signer.check({ ...fields, digest, permissions: { network: ["api.example.com"], env: ["TOKEN", "AWS_SECRET"] } })).toBe("invalid")
    expect(signer.check({ ...fields, digest, permissions: "everything" as never })).toBe("invalid")
  })

  it("tell an install from before keyed digests (plain sha256 of its code) from a forgery", () => {
    expect(signer.check({ ...fields, digest: codeDigest(fields.plugin) })).toBe("unkeyed")
    expect(signer.check({ ...fields, digest: codeDigest("other code") })).toBe("invalid")
    const foreign = `hmac-sha256:${createHmac("sha256", Buffer.alloc(32, 2)).update(fields.plugin).digest("hex")}`
    expect(signer.check({ ...fields, digest: foreign })).toBe("invalid")
    expect(signer.check({ ...fields, digest: "hmac-sha256:zz" })).toBe("invalid")
  })
})
