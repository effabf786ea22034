import { resolve } from "node:path"
import { isPluginError, manifestSchema } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { buildPluginInput, directoryOf } from "./build-plugin-input.ts"
import type { Location } from "./location.ts"
import { inferRepoType } from "./repo-type.ts"

const web = (href: string): Location => ({ kind: "http", url: new URL(href) })
const CODE = "export default {}"

describe("inferRepoType", () => {
  it.each([
    ["https://github.com/user/plugin/raw/main/manifest.json", "github"],
    ["https://raw.githubusercontent.com/user/plugin/main/manifest.json", "github"],
    ["https://gitlab.com/user/plugin/-/raw/main/manifest.yaml", "gitlab"],
    ["https://gitlab.example.org/team/plugin/-/raw/main/manifest.yaml", "gitlab"],
    ["https://plugins.example.com/hello/manifest.json", "default"],
    ["https://notgithub.com/manifest.json", "default"],
  ] as const)("guesses from the manifest's host %s", (href, type) => {
    expect(inferRepoType(undefined, web(href))).toBe(type)
  })

  it("says local for a manifest read from a file", () => {
    expect(inferRepoType(undefined, { kind: "file", path: "/srv/m.json" })).toBe("local")
  })

  it("prefers the repository the manifest names when it is a web URL", () => {
    expect(inferRepoType("https://github.com/user/plugin", web("https://cdn.example.com/m.json"))).toBe("github")
    expect(inferRepoType("https://gitlab.com/user/plugin", { kind: "file", path: "/srv/m.json" })).toBe("gitlab")
    expect(inferRepoType("user/plugin", { kind: "file", path: "/srv/m.json" })).toBe("local")
  })
})

describe("directoryOf", () => {
  it("drops the file name, query and fragment of a URL, and the file name of a path", () => {
    expect(directoryOf(web("https://example.com/a/b/manifest.json?raw=1#x"))).toBe("https://example.com/a/b/")
    expect(directoryOf({ kind: "file", path: resolve("/srv/plugins/m.yaml") })).toBe(resolve("/srv/plugins"))
  })
})

describe("buildPluginInput", () => {
  const manifest = (fields: Record<string, unknown>) => manifestSchema.parse({ name: "hello", version: "1.0.0", plugin: CODE, ...fields })

  it("fills manifest, repository, repoType and author from the source", () => {
    const input = buildPluginInput(manifest({}), CODE, web("https://raw.githubusercontent.com/u/p/main/manifest.json"))
    expect(input).toEqual({
      name: "hello",
      version: "1.0.0",
      manifest: "https://raw.githubusercontent.com/u/p/main/manifest.json",
      repository: "https://raw.githubusercontent.com/u/p/main/",
      repoType: "github",
      author: {},
      plugin: CODE,
    })
  })

  it("keeps what the manifest says", () => {
    const fields = {
      manifest: "https://example.com/canonical.json",
      repository: "https://gitlab.com/u/p",
      repoType: "default",
      author: { name: "Dev", email: "dev@example.com" },
      tags: ["alerts"],
      description: "Sends alerts",
    }
    expect(buildPluginInput(manifest(fields), CODE, web("https://mirror.example.net/m.json"))).toEqual({
      name: "hello",
      version: "1.0.0",
      ...fields,
      plugin: CODE,
    })
  })

  it("stores neither pluginUrl nor integrity, and no keys set to undefined", () => {
    const source = manifestSchema.parse({ name: "hello", version: "1.0.0", pluginUrl: "code.js", integrity: `sha256-${"A".repeat(43)}=` })
    const input = buildPluginInput(source, CODE, web("https://example.com/m.json"))
    expect(Object.keys(input).sort()).toEqual(["author", "manifest", "name", "plugin", "repoType", "repository", "version"])
  })

  it("refuses empty code with a message naming the field", () => {
    try {
      buildPluginInput(manifest({}), "", web("https://example.com/m.json"))
      expect.unreachable()
    } catch (error) {
      expect(isPluginError(error) && error.message).toMatch(/^Invalid plugin: plugin: plugin \(the module's code\) must not be empty/)
    }
  })
})
