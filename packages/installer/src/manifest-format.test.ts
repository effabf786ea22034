import { describe, expect, it } from "vitest"
import { chooseFormat, formatFromContentType, formatFromExtension, isHtml } from "./manifest-format.ts"

describe("manifest format", () => {
  it.each([
    ["manifest.json", "json"],
    ["MANIFEST.JSON", "json"],
    ["plugin.yml", "yaml"],
    ["plugin.yaml", "yaml"],
    ["https://example.com/a/manifest.yaml?raw=1#top", "yaml"],
    ["https://example.com/a/manifest", undefined],
    ["/tmp/manifest.txt", undefined],
  ] as const)("reads the extension of %s", (name, format) => {
    expect(formatFromExtension(name)).toBe(format)
  })

  it.each([
    ["application/json", "json"],
    ["application/json; charset=utf-8", "json"],
    ["application/vnd.dockstat.plugin+json", "json"],
    ["application/yaml", "yaml"],
    ["text/yaml; charset=utf-8", "yaml"],
    ["application/x-yaml", "yaml"],
    ["text/x-yaml", "yaml"],
    ["text/plain", undefined],
    ["application/octet-stream", undefined],
  ] as const)("reads the content type %s", (type, format) => {
    expect(formatFromContentType(type)).toBe(format)
  })

  it("prefers the extension, then the content type, then the content", () => {
    expect(chooseFormat("{}", { name: "m.yaml", contentType: "application/json" }).format).toBe("yaml")
    expect(chooseFormat("{}", { name: "m", contentType: "application/yaml" }).format).toBe("yaml")
    expect(chooseFormat("  {}", { name: "m", contentType: "text/plain" }).format).toBe("json")
    expect(chooseFormat("name: x", {}).format).toBe("yaml")
  })

  it("says how it chose, for error messages", () => {
    expect(chooseFormat("{}", { name: "m.json" }).by).toBe("its file extension")
    expect(chooseFormat("{}", { contentType: "application/json; charset=utf-8" }).by).toBe("its content type application/json")
    expect(chooseFormat("{}", {}).by).toBe("its content")
  })

  it("recognises HTML by content or content type, and leaves manifests alone", () => {
    expect(isHtml("<!DOCTYPE html><html></html>", undefined)).toBe(true)
    expect(isHtml("\n  <html lang=en>", "text/plain")).toBe(true)
    expect(isHtml("whatever", "text/html; charset=utf-8")).toBe(true)
    expect(isHtml("name: x\ndescription: <b>bold</b>", "text/plain")).toBe(false)
    expect(isHtml('{"name":"<html>"}', "application/json")).toBe(false)
  })
})
