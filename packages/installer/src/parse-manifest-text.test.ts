import { isPluginError } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { parseManifestText } from "./parse-manifest-text.ts"

function parseError(text: string, hint: { name?: string; contentType?: string } = {}): { code: string; message: string } {
  try {
    parseManifestText(text, hint)
  } catch (error) {
    if (isPluginError(error)) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error("expected parseManifestText to throw")
}

/** The classic "billion laughs": nine levels of nine aliases, 9^9 strings if expanded. */
function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  const names = "abcdefghi"
  for (let level = 1; level < names.length; level++) {
    const name = names[level] ?? ""
    const previous = `*${names[level - 1] ?? ""}`
    lines.push(`${name}: &${name} [${Array(9).fill(previous).join(",")}]`)
  }
  return `${lines.join("\n")}\nname: bomb\n`
}

describe("parseManifestText", () => {
  it("parses JSON and YAML into the same object", () => {
    const json = parseManifestText('{"name":"hello","version":"1.0.0","tags":["a"],"author":{"name":"Dev"}}', { name: "m.json" })
    const yaml = parseManifestText("name: hello\nversion: 1.0.0\ntags: [a]\nauthor:\n  name: Dev\n", { name: "m.yaml" })
    expect(yaml).toEqual(json)
    expect(json).toEqual({ name: "hello", version: "1.0.0", tags: ["a"], author: { name: "Dev" } })
  })

  it("keeps YAML strings that look like other things as YAML 1.2 reads them", () => {
    // "1.0" is a number in YAML 1.2 (the schema then says version must be a string); "yes" stays a string.
    expect(parseManifestText("version: 1.0\nflag: yes\nwhen: 2024-01-01\n", { name: "m.yaml" })).toEqual({
      version: 1,
      flag: "yes",
      when: "2024-01-01",
    })
  })

  it("refuses an empty or blank text", () => {
    for (const text of ["", "  \n\t\n"]) {
      const { code, message } = parseError(text, { name: "m.json" })
      expect(code).toBe("INVALID_INPUT")
      expect(message).toBe("The manifest m.json is empty")
    }
  })

  it("says so when it got an HTML page", () => {
    expect(parseError("<!doctype html><title>Sign in</title>", { name: "https://x/m.json" }).message).toMatch(/^Got an HTML page, not a manifest/)
    expect(parseError("oops", { contentType: "text/html" }).message).toMatch(/HTML page/)
  })

  it("reports a JSON syntax error with why JSON was chosen", () => {
    const { message } = parseError('{"name": "x",}', { name: "m.json" })
    expect(message).toMatch(/^Invalid JSON in m\.json \(read as JSON because of its file extension\): /)
  })

  it("reports a YAML syntax error with its position", () => {
    expect(parseError("name: [unclosed\n", { name: "m.yaml" }).message).toMatch(/^Invalid YAML in m\.yaml: .*line \d+, column \d+/)
  })

  it("refuses duplicate keys and several documents in YAML", () => {
    expect(parseError("name: a\nname: b\n", { name: "m.yaml" }).message).toMatch(/the key "name" appears twice in one mapping/)
    expect(parseError("author:\n  name: a\n  x: 1\n  name: b\n", { name: "m.yaml" }).message).toMatch(/the key "name" appears twice/)
    expect(parseError("a: [{ k: 1, k: 2 }]\n", { name: "m.yaml" }).message).toMatch(/the key "k" appears twice/)
    expect(parseError("1: a\n'1': b\n", { name: "m.yaml" }).message).toMatch(/the key "1" appears twice/)
    expect(parseError("name: a\n---\nname: b\n", { name: "m.yaml" }).message).toMatch(/multiple documents/)
  })

  it("refuses deep nesting without overflowing the stack, however often it is sent", () => {
    // 20 KB of nested flow sequences overflowed the library's recursion; repeated overflows ended the process.
    const flow = `a: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`
    let block = ""
    for (let depth = 0; depth < 1_000; depth++) block += `${" ".repeat(depth)}k:\n`
    for (let round = 0; round < 5; round++) {
      expect(parseError(flow, { name: "deep.yaml" }).message).toMatch(/^Invalid YAML in deep\.yaml: it nests collections more than 64 deep$/)
      expect(parseError(`${block}${" ".repeat(1_000)}v\n`, { name: "deep.yaml" }).message).toMatch(/nests collections more than 64 deep/)
    }
    // Nesting as deep as a manifest has is fine, in flow and block style.
    expect(parseManifestText(`name: x\nv: ${"[".repeat(20)}1${"]".repeat(20)}\n`, { name: "ok.yaml" })).toMatchObject({ name: "x" })
  })

  it("refuses stray closing brackets at once, before the library details an error per bracket", () => {
    const started = performance.now()
    expect(parseError(`a: ${"]".repeat(160_000)}\n`, { name: "m.yaml" }).message).toMatch(/^Invalid YAML in m\.yaml: a closing \] with no \[ open$/)
    expect(parseError(`a: ${"]".repeat(40_000)}${"[".repeat(40_000)}\n`, { name: "m.yaml" }).message).toMatch(/a closing \] with no \[ open/)
    // Minutes before; the bound only has to tell the two apart on a busy machine.
    expect(performance.now() - started).toBeLessThan(30_000)
  })

  it("refuses a mapping of very many keys at once, without the quadratic duplicate check", () => {
    let text = "name: x\n"
    for (let key = 0; key < 75_000; key++) text += `k${key}: ${key}\n`
    const started = performance.now()
    expect(parseError(text, { name: "keys.yaml" }).message).toMatch(/more than 10000 entries/)
    // It took 52 s before (101 s in this test on a busy machine); the bound only has to tell the two apart.
    expect(performance.now() - started).toBeLessThan(30_000)
  })

  it("refuses a YAML alias bomb quickly, saying why", () => {
    const started = performance.now()
    const { code, message } = parseError(aliasBomb(), { name: "bomb.yaml" })
    // An unbounded expansion would take minutes and gigabytes; the bound only has to tell the two apart on a busy machine.
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(code).toBe("INVALID_INPUT")
    expect(message).toMatch(/aliases expand to more than 100 copies.*billion laughs/)
  })

  it("still accepts a few honest aliases", () => {
    const value = parseManifestText("base: &b {name: Dev}\nauthor: *b\nname: x\n", { name: "m.yaml" })
    expect(value).toMatchObject({ author: { name: "Dev" } })
  })

  it("refuses a recursive alias", () => {
    expect(parseError("name: x\ntags: &t [a, *t]\n", { name: "m.yaml" }).message).toMatch(/tags\.1 refers to itself/)
  })

  it.each([
    ["a custom tag", "name: !shell rm -rf /\n", /Unresolved tag: !shell/],
    ["a JS type tag", "plugin: !!js/function 'function () {}'\n", /Unresolved tag: tag:yaml.org,2002:js\/function/],
    ["YAML 1.1 binary, even under a 1.1 directive", "%YAML 1.1\n---\nplugin: !!binary aGVsbG8=\n", /Unresolved tag: tag:yaml.org,2002:binary/],
    ["a timestamp tag", "when: !!timestamp 2024-01-01\n", /Unresolved tag: tag:yaml.org,2002:timestamp/],
  ])("refuses %s: only plain JSON-compatible values", (_name, text, pattern) => {
    const { message } = parseError(text, { name: "m.yaml" })
    expect(message).toMatch(pattern)
    expect(message).toMatch(/only plain JSON-compatible values/)
  })

  it("refuses YAML values JSON cannot hold, naming the field", () => {
    expect(parseError("name: x\nlimits:\n  max: .inf\n", { name: "m.yaml" }).message).toMatch(/limits\.max is Infinity, which JSON cannot hold/)
    expect(parseError("name: x\nratio: .nan\n", { name: "m.yaml" }).message).toMatch(/ratio is NaN/)
  })

  it("treats merge keys as plain keys instead of merging", () => {
    expect(parseManifestText("base: &b {a: 1}\nother:\n  <<: *b\n", { name: "m.yaml" })).toEqual({ base: { a: 1 }, other: { "<<": { a: 1 } } })
  })

  it.each([
    ["a list", "- a\n- b\n", "a list"],
    ["a string", "just text\n", "a string"],
    ["a number", "42", "a number"],
    ["null", "# only a comment\n", "null"],
    ["a JSON list", "[1, 2]", "a list"],
  ])("refuses a document that is %s", (_name, text, got) => {
    expect(parseError(text).message).toBe(`The manifest must be an object (a map of fields), got ${got}`)
  })

  it("sniffs the format from the content when there is no other hint", () => {
    expect(parseManifestText('  {"name": "x"}', {})).toEqual({ name: "x" })
    expect(parseManifestText("name: x", {})).toEqual({ name: "x" })
    // Flow-style YAML starts with "{" too; the content type says which it is.
    expect(parseManifestText("{name: x}", { contentType: "application/yaml" })).toEqual({ name: "x" })
    expect(parseError("{name: x}", {}).message).toMatch(/^Invalid JSON in the manifest \(read as JSON because of its content\)/)
  })
})
