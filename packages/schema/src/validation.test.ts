import { describe, expect, it } from "vitest"

import { column } from "./column.ts"
import { formatZodError, manifestSchema, pluginInputSchema, pluginModuleSchema } from "./validation.ts"

const valid = {
  name: "my-plugin",
  version: "1.0.0",
  repository: "https://github.com/user/plugin",
  manifest: "https://github.com/user/plugin/manifest.json",
  author: { name: "Developer", email: "dev@example.com" },
  tags: ["monitoring"],
  repoType: "github",
  plugin: "export default {}",
}

function message(schema: { safeParse(value: unknown): { success: boolean; error?: unknown } }, value: unknown): string {
  const result = schema.safeParse(value)
  expect(result.success).toBe(false)
  return formatZodError(result.error as never)
}

describe("plugin input", () => {
  it("accepts the seed's savePlugin example", () => {
    expect(pluginInputSchema.safeParse(valid).success).toBe(true)
  })

  it.each([
    ["name", { ...valid, name: undefined }, /^name: /],
    ["name with spaces", { ...valid, name: "my plugin" }, /^name: name must be/],
    ["version type", { ...valid, version: 1 }, /^version: .*expected string/],
    ["repoType", { ...valid, repoType: "bitbucket" }, /^repoType: /],
    ["author", { ...valid, author: "me" }, /^author: .*expected object/],
    ["tags", { ...valid, tags: "a,b" }, /^tags: .*expected array/],
    ["plugin code", { ...valid, plugin: "" }, /^plugin: plugin \(the module's code\) must not be empty/],
  ])("names the bad field: %s", (_, input, expected) => {
    expect(message(pluginInputSchema, input)).toMatch(expected)
  })
})

describe("plugin module shape", () => {
  const actions = { getStatus: () => 1 }

  it("accepts the seed's example plugin shape, without a version or a table", () => {
    const plugin = { name: "data-processor", config: { apiRoutes: { "/status": { method: "GET", actions: ["getStatus"] } }, actions } }
    expect(pluginModuleSchema.safeParse(plugin).success).toBe(true)
  })

  it("names a route that points at a missing action", () => {
    const plugin = { config: { apiRoutes: { "/x": { method: "GET", actions: ["nope"] } }, actions } }
    expect(message(pluginModuleSchema, plugin)).toMatch(/route "\/x" names action "nope", which config.actions does not define/)
  })

  it("accepts upstream DockStat's event names beside the seed's, and names an unknown one", () => {
    const events = { "container:started": () => {}, "host:health:changed": () => {}, "host:metrics": () => {}, onContainerStart: () => {} }
    expect(pluginModuleSchema.safeParse({ events }).success).toBe(true)
    expect(message(pluginModuleSchema, { events: { "container:exploded": () => {} } })).toMatch(/"container:exploded" is not a known event hook/)
  })

  it("names an unknown event hook and a bad method", () => {
    expect(message(pluginModuleSchema, { events: { onContainerExplode: () => {} } })).toMatch(/"onContainerExplode" is not a known event hook/)
    expect(message(pluginModuleSchema, { config: { apiRoutes: { "/x": { method: "FETCH", actions: ["getStatus"] } }, actions } })).toMatch(
      /config\.apiRoutes\.\/x\.method/,
    )
  })

  it("names a bad column and a jsonColumns entry that is not a column", () => {
    const badKind = { name: "t", columns: { id: column.id(), x: { kind: "money" } } }
    expect(message(pluginModuleSchema, { config: { table: badKind } })).toMatch(/config\.table\.columns\.x\.kind/)
    const badJson = { name: "t", columns: { id: column.id() }, jsonColumns: ["y"] }
    expect(message(pluginModuleSchema, { config: { table: badJson } })).toMatch(/config\.table\.jsonColumns\.0: "y" is not a declared column/)
  })

  it("refuses non-function actions", () => {
    expect(message(pluginModuleSchema, { config: { actions: { a: "return 1" } } })).toMatch(/config\.actions\.a: an action must be a function/)
  })
})

describe("manifest", () => {
  it("needs code inline or by URL, not both", () => {
    const { plugin: _, ...rest } = valid
    expect(message(manifestSchema, rest)).toMatch(/a manifest needs the code inline \(plugin\) or a pluginUrl/)
    expect(message(manifestSchema, { ...valid, pluginUrl: "./index.js" })).toMatch(/give either plugin or pluginUrl/)
  })

  it("checks the integrity format", () => {
    expect(message(manifestSchema, { ...valid, integrity: "md5-abc" })).toMatch(/integrity must be sha256-, sha384- or sha512-/)
    // Each algorithm with the length of its own digest: a sha256-sized sha384 is refused.
    expect(manifestSchema.safeParse({ ...valid, integrity: `sha384-${"A".repeat(64)}` }).success).toBe(true)
    expect(manifestSchema.safeParse({ ...valid, integrity: `sha512-${"A".repeat(86)}==` }).success).toBe(true)
    expect(message(manifestSchema, { ...valid, integrity: `sha384-${"A".repeat(43)}=` })).toMatch(/integrity must be/)
  })
})
