import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { isPluginError } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { describeLocation, parseSource, resolveReference } from "./location.ts"
import type { Location } from "./location.ts"

function failure(run: () => unknown): { kind: unknown; message: string } {
  try {
    run()
  } catch (error) {
    if (isPluginError(error)) return { kind: error.data?.kind, message: error.message }
    throw error
  }
  throw new Error("expected a failure")
}

describe("parseSource", () => {
  it("reads http and https URLs as URLs", () => {
    const location = parseSource("https://example.com/p/manifest.json")
    expect(location).toEqual({ kind: "http", url: new URL("https://example.com/p/manifest.json") })
    expect(parseSource(" http://example.com/m.yaml ").kind).toBe("http")
  })

  it("reads file: URLs and paths as absolute file paths", () => {
    const path = resolve("some", "manifest.yaml")
    expect(parseSource(pathToFileURL(path).href)).toEqual({ kind: "file", path })
    expect(parseSource(join("some", "manifest.yaml"))).toEqual({ kind: "file", path })
    expect(parseSource(path)).toEqual({ kind: "file", path })
  })

  it("takes a Windows drive path for a path, not a URL with the scheme c:", () => {
    expect(parseSource("C:\\plugins\\manifest.json").kind).toBe("file")
  })

  it("refuses other schemes, naming the scheme", () => {
    for (const [source, scheme] of [
      ["ftp://example.com/manifest.json", "ftp:"],
      ["data:application/json,{}", "data:"],
      ["javascript:alert(1)", "javascript:"],
    ] as const) {
      const { kind, message } = failure(() => parseSource(source))
      expect(kind).toBe("validation")
      expect(message).toContain(`"${scheme}"`)
    }
  })

  it("refuses URLs carrying credentials, which would be stored with the plugin", () => {
    const { message } = failure(() => parseSource("https://deploy:ghp_secret@example.com/m.json"))
    expect(message).toMatch(/credentials/)
    // The refusal goes to the log and the live log: it must not carry the secret.
    expect(message).not.toMatch(/ghp_secret|deploy/)
    expect(message).toContain("https://***@example.com/m.json")
    // Not even a valid URL: still no secret in the message.
    const broken = failure(() => parseSource("https://deploy:ghp_secret@exa mple.com/m.json")).message
    expect(broken).toBe('The manifest source "https://***@exa mple.com/m.json" is not a valid URL')
  })

  it("refuses a mistyped URL instead of looking for a file of that name", () => {
    const { kind, message } = failure(() => parseSource("http://[::1/manifest.json"))
    expect(kind).toBe("validation")
    expect(message).toBe('The manifest source "http://[::1/manifest.json" is not a valid URL')
  })

  it("refuses an empty source and a non-string", () => {
    expect(failure(() => parseSource("  ")).message).toMatch(/empty/)
    expect(failure(() => parseSource(42 as unknown as string)).message).toMatch(/must be a string, got number/)
  })
})

describe("resolveReference", () => {
  const remote: Location = { kind: "http", url: new URL("https://example.com/plugins/hello/manifest.yaml?ref=main") }
  const local: Location = { kind: "file", path: resolve("/srv/plugins/hello/manifest.yaml") }

  it("resolves relative references against the manifest's URL like a browser", () => {
    expect(describeLocation(resolveReference("dist/index.js", remote, "pluginUrl"))).toBe("https://example.com/plugins/hello/dist/index.js")
    expect(describeLocation(resolveReference("../shared.js", remote, "pluginUrl"))).toBe("https://example.com/plugins/shared.js")
    expect(describeLocation(resolveReference("/code.js", remote, "pluginUrl"))).toBe("https://example.com/code.js")
    expect(describeLocation(resolveReference("https://cdn.example.org/x.js", remote, "pluginUrl"))).toBe("https://cdn.example.org/x.js")
  })

  it("never lets a remote manifest point at a local file", () => {
    const { kind, message } = failure(() => resolveReference("file:///etc/passwd", remote, "pluginUrl"))
    expect(kind).toBe("validation")
    expect(message).toMatch(/local file/)
    expect(failure(() => resolveReference("ftp://example.com/x.js", remote, "pluginUrl")).message).toContain('"ftp:"')
  })

  it("resolves relative references against a local manifest's directory", () => {
    expect(resolveReference("index.js", local, "pluginUrl")).toEqual({ kind: "file", path: resolve("/srv/plugins/hello/index.js") })
    expect(resolveReference("../x/index.js", local, "pluginUrl")).toEqual({ kind: "file", path: resolve("/srv/plugins/x/index.js") })
  })

  it("lets a local manifest point at code on the web", () => {
    expect(resolveReference("https://example.com/x.js", local, "pluginUrl").kind).toBe("http")
  })
})
