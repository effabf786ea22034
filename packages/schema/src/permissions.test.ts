import { describe, expect, it } from "vitest"

import { addedPermissions, describePermissions, normalizePermissions, permissionsSchema } from "./permissions.ts"
import { formatZodError, manifestSchema, pluginInputSchema } from "./validation.ts"

function problem(value: unknown): string {
  const parsed = permissionsSchema.safeParse(value)
  if (parsed.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`)
  return formatZodError(parsed.error)
}

describe("permissions", () => {
  it("normalizes: hosts lowercased, both lists de-duplicated and sorted, missing lists empty", () => {
    expect(normalizePermissions({ network: ["API.Example.com", "b.example.com:8443", "api.example.com", " cdn.example.net "] })).toEqual({
      network: ["api.example.com", "b.example.com:8443", "cdn.example.net"],
      env: [],
    })
    expect(normalizePermissions({ env: ["TOKEN", "API_KEY", "TOKEN", "_x1"] })).toEqual({ network: [], env: ["API_KEY", "TOKEN", "_x1"] })
    expect(normalizePermissions(undefined)).toEqual({ network: [], env: [] })
    expect(normalizePermissions({})).toEqual({ network: [], env: [] })
  })

  it("accepts IPv4, localhost, ports and bracketed IPv6 (written as fetch writes it)", () => {
    expect(normalizePermissions({ network: ["127.0.0.1:8080", "localhost", "[0:0::1]:3000", "[2001:DB8::1]"] }).network).toEqual([
      "127.0.0.1:8080",
      "[2001:db8::1]",
      "[::1]:3000",
      "localhost",
    ])
  })

  it.each([
    ["https://api.example.com", /network\.0: "https:\/\/api\.example\.com" is not a hostname or host:port: drop the scheme/],
    ["api.example.com/v1", /network\.0: "api\.example\.com\/v1" is not a hostname or host:port: a host or host:port only: no path/],
    ["user@api.example.com", /no path, query, credentials or spaces/],
    ["*.example.com", /wildcards are not supported: list each host/],
    ["api.example.com:0", /port must be a number from 1 to 65535, got "0"/],
    ["api.example.com:70000", /port must be a number from 1 to 65535, got "70000"/],
    ["api.example.com:", /port must be a number from 1 to 65535, got ""/],
    ["-bad.example.com", /dot-separated labels/],
    ["a..b", /dot-separated labels/],
    ["", /a hostname has 1 to 253 characters/],
    ["bücher.example", /ASCII \(xn--\) form/],
    ["::1", /IPv6 address goes in brackets/],
    ["[::g]", /not a valid IPv6 address/],
  ])("refuses the network entry %j, saying why", (entry, message) => {
    expect(problem({ network: [entry] })).toMatch(message)
  })

  it.each(["1TOKEN", "API-KEY", "A B", "", "PATH=x"])("refuses the env name %j, naming it", (name) => {
    expect(problem({ env: [name] })).toContain(`env.0: ${JSON.stringify(name)} is not an environment variable name`)
  })

  it("refuses unknown keys and wrong types", () => {
    expect(problem({ network: [], fs: ["/"] })).toMatch(/Unrecognized key: "fs"/)
    expect(problem({ network: "api.example.com" })).toMatch(/network: .*expected array/)
    expect(problem({ env: [42] })).toMatch(/env\.0: .*expected string/)
  })

  it("is part of savePlugin's input and of a manifest", () => {
    const base = { name: "p", version: "1", repoType: "local", repository: "r", manifest: "m", author: {}, plugin: "export default {}" }
    const input = pluginInputSchema.parse({ ...base, permissions: { network: ["B.com", "a.com"] } })
    expect(input.permissions).toEqual({ network: ["a.com", "b.com"], env: [] })
    const bad = pluginInputSchema.safeParse({ ...base, permissions: { env: ["no-dash"] } })
    expect(bad.success ? "" : formatZodError(bad.error, "Invalid plugin")).toMatch(/^Invalid plugin: permissions\.env\.0: "no-dash" is not an environment variable name/)
    const manifest = manifestSchema.safeParse({ name: "p", version: "1", plugin: "x", permissions: { network: ["http://x.com"] } })
    expect(manifest.success ? "" : formatZodError(manifest.error)).toMatch(/permissions\.network\.0: "http:\/\/x\.com" is not a hostname or host:port/)
  })

  it("says what an update adds, each entry with its kind", () => {
    const before = { network: ["a.com"], env: ["A"] }
    const after = { network: ["a.com", "api.example.com"], env: ["A", "API_TOKEN"] }
    expect(addedPermissions(before, after)).toEqual({ network: ["api.example.com"], env: ["API_TOKEN"] })
    expect(addedPermissions(after, before)).toEqual({ network: [], env: [] })
    expect(describePermissions(addedPermissions(before, after))).toBe("network api.example.com, env API_TOKEN")
    expect(describePermissions({ network: [], env: [] })).toBe("none")
  })
})
