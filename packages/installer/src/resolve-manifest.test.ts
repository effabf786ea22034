import { createHash } from "node:crypto"
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:http"
import type { ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startFixtureServer } from "./fixture-server.ts"
import type { Fixture, FixtureHandler, FixtureServer } from "./fixture-server.ts"
import { resolveManifest } from "./resolve-manifest.ts"
import type { ResolveOptions } from "./options.ts"
import type { ResolveResult } from "./resolve-manifest.ts"
import { sriDigest } from "./sri-digest.ts"

const CODE = 'export default { name: "hello", version: "1.0.0", config: {} }\n'
const MANIFEST = {
  name: "hello",
  version: "1.0.0",
  description: "Says hello",
  author: { name: "Developer", email: "dev@example.com" },
  tags: ["greeting"],
  plugin: CODE,
}
const YAML_MANIFEST = `# a plugin
name: hello
version: "1.0.0"
description: Says hello
author:
  name: Developer
  email: dev@example.com
tags: [greeting]
plugin: |
  export default { name: "hello", version: "1.0.0", config: {} }
`
const json = (value: unknown) => JSON.stringify(value, null, 2)
// The fixture server listens on 127.0.0.1, a loopback address the installer refuses unless allowed.
const LOCAL: ResolveOptions = { allowPrivateNetwork: true }

let server: FixtureServer
let dir: string

beforeAll(async () => {
  server = await startFixtureServer()
  dir = await mkdtemp(join(tmpdir(), "installer-test-"))
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

function ok(result: ResolveResult) {
  if (!result.ok) throw new Error(`expected success, got ${result.kind}: ${result.message}`)
  return result
}

describe("resolveManifest: formats", () => {
  it("reads a JSON manifest by its .json extension, even served as text/plain", async () => {
    server.serve("/json/manifest.json", { headers: { "content-type": "text/plain; charset=utf-8" }, body: json(MANIFEST) })
    const result = ok(await resolveManifest(server.url("/json/manifest.json"), LOCAL))
    expect(result.input).toEqual({
      name: "hello",
      version: "1.0.0",
      description: "Says hello",
      author: { name: "Developer", email: "dev@example.com" },
      tags: ["greeting"],
      manifest: server.url("/json/manifest.json"),
      repository: server.url("/json/"),
      repoType: "default",
      plugin: CODE,
    })
    expect(result.source).toBe(server.url("/json/manifest.json"))
    expect(result.integrity).toBe(sriDigest(CODE))
  })

  it.each(["yaml", "yml"])("reads a YAML manifest by its .%s extension", async (extension) => {
    server.serve(`/yaml/manifest.${extension}`, { headers: { "content-type": "application/octet-stream" }, body: YAML_MANIFEST })
    const result = ok(await resolveManifest(server.url(`/yaml/manifest.${extension}`), LOCAL))
    expect(result.input).toMatchObject({ name: "hello", version: "1.0.0", tags: ["greeting"], plugin: CODE })
  })

  it.each(["application/yaml", "text/yaml; charset=utf-8", "application/x-yaml"])(
    "reads a manifest without extension by its content type %s",
    async (type) => {
      // Flow-style YAML starts with "{", so sniffing alone would have taken it for JSON and failed.
      const body = '{name: hello, version: "1.0.0", plugin: "export default {}"}'
      server.serve("/typed/manifest", { headers: { "content-type": type }, body })
      expect(ok(await resolveManifest(server.url("/typed/manifest"), LOCAL)).input.name).toBe("hello")
    },
  )

  it("reads JSON by a +json content type", async () => {
    server.serve("/typed/vendor", { headers: { "content-type": "application/vnd.dockstat.plugin+json" }, body: json(MANIFEST) })
    expect(ok(await resolveManifest(server.url("/typed/vendor"), LOCAL)).input.plugin).toBe(CODE)
  })

  it("lets the extension win over a wrong content type", async () => {
    server.serve("/mixed/manifest.yaml", { headers: { "content-type": "application/json" }, body: YAML_MANIFEST })
    expect(ok(await resolveManifest(server.url("/mixed/manifest.yaml"), LOCAL)).input.name).toBe("hello")
  })

  it("sniffs JSON and YAML from the content when nothing else says", async () => {
    server.serve("/sniff/json", { headers: { "content-type": "text/plain" }, body: `\n  ${json(MANIFEST)}` })
    server.serve("/sniff/yaml", { body: YAML_MANIFEST })
    expect(ok(await resolveManifest(server.url("/sniff/json"), LOCAL)).input.plugin).toBe(CODE)
    expect(ok(await resolveManifest(server.url("/sniff/yaml"), LOCAL)).input.plugin).toBe(CODE)
  })

  it("accepts a manifest starting with a UTF-8 byte order mark", async () => {
    server.serve("/bom/manifest.json", { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json(MANIFEST))]) })
    expect(ok(await resolveManifest(server.url("/bom/manifest.json"), LOCAL)).input.name).toBe("hello")
  })
})

describe("resolveManifest: code and integrity", () => {
  const { plugin: _code, ...metadata } = MANIFEST

  it("fetches pluginUrl relative to the manifest", async () => {
    server.serve("/rel/plugin/manifest.json", { body: json({ ...metadata, pluginUrl: "dist/index.js" }) })
    server.serve("/rel/plugin/dist/index.js", { headers: { "content-type": "text/javascript" }, body: CODE })
    server.serve("/rel/shared.js", { body: `${CODE}// shared\n` })
    server.serve("/rel/plugin/up.json", { body: json({ ...metadata, pluginUrl: "../shared.js" }) })
    expect(ok(await resolveManifest(server.url("/rel/plugin/manifest.json"), LOCAL)).input.plugin).toBe(CODE)
    expect(ok(await resolveManifest(server.url("/rel/plugin/up.json"), LOCAL)).input.plugin).toBe(`${CODE}// shared\n`)
    expect(server.requests).toContain("/rel/plugin/dist/index.js")
  })

  it("resolves pluginUrl against where redirects ended, but stores the address the user gave", async () => {
    server.serve("/short", { status: 302, headers: { location: "/releases/v1/manifest.json" } })
    server.serve("/releases/v1/manifest.json", { body: json({ ...metadata, pluginUrl: "code.js" }) })
    server.serve("/releases/v1/code.js", { body: CODE })
    const result = ok(await resolveManifest(server.url("/short"), LOCAL))
    expect(result.input.plugin).toBe(CODE)
    expect(result.source).toBe(server.url("/short"))
    expect(result.input.manifest).toBe(server.url("/short"))
  })

  it("accepts code whose digest matches integrity, inline or fetched", async () => {
    server.serve("/sri/inline.json", { body: json({ ...MANIFEST, integrity: sriDigest(CODE) }) })
    server.serve("/sri/remote.json", { body: json({ ...metadata, pluginUrl: "code.js", integrity: sriDigest(CODE) }) })
    server.serve("/sri/code.js", { body: CODE })
    expect(ok(await resolveManifest(server.url("/sri/inline.json"), LOCAL)).integrity).toBe(sriDigest(CODE))
    expect(ok(await resolveManifest(server.url("/sri/remote.json"), LOCAL)).integrity).toBe(sriDigest(CODE))
  })

  it("checks a sha384 or sha512 integrity in the algorithm it names", async () => {
    server.serve("/sri384/manifest.json", { body: json({ ...metadata, pluginUrl: "code.js", integrity: sriDigest(CODE, "sha384") }) })
    server.serve("/sri384/code.js", { body: CODE })
    expect(ok(await resolveManifest(server.url("/sri384/manifest.json"), LOCAL)).input.plugin).toBe(CODE)
    const expected = sriDigest("something else", "sha512")
    server.serve("/sri512-bad/manifest.json", { body: json({ ...MANIFEST, integrity: expected }) })
    expect(await resolveManifest(server.url("/sri512-bad/manifest.json"), LOCAL)).toEqual({
      ok: false,
      kind: "integrity",
      message: `Integrity mismatch for the inline plugin code: the manifest expects ${expected} but the code hashes to ${sriDigest(CODE, "sha512")}`,
    })
  })

  it("checks integrity against the exact bytes published, byte order mark included", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CODE)])
    const published = `sha256-${createHash("sha256").update(bytes).digest("base64")}`
    server.serve("/sri-bom/manifest.json", { body: json({ ...metadata, pluginUrl: "code.js", integrity: published }) })
    server.serve("/sri-bom/code.js", { body: bytes })
    const result = ok(await resolveManifest(server.url("/sri-bom/manifest.json"), LOCAL))
    expect(result.integrity).toBe(published)
    expect(sriDigest(result.input.plugin)).toBe(published)
  })

  it("refuses code that does not match integrity, naming both digests", async () => {
    const expected = sriDigest("something else")
    server.serve("/sri-bad/manifest.json", { body: json({ ...metadata, pluginUrl: "code.js", integrity: expected }) })
    server.serve("/sri-bad/code.js", { body: CODE })
    expect(await resolveManifest(server.url("/sri-bad/manifest.json"), LOCAL)).toEqual({
      ok: false,
      kind: "integrity",
      message: `Integrity mismatch for the plugin code at ${server.url("/sri-bad/code.js")}: the manifest expects ${expected} but the code hashes to ${sriDigest(CODE)}`,
    })
    server.serve("/sri-bad/inline.json", { body: json({ ...MANIFEST, integrity: expected }) })
    const inline = await resolveManifest(server.url("/sri-bad/inline.json"), LOCAL)
    expect(inline).toMatchObject({ ok: false, kind: "integrity" })
    expect(!inline.ok && inline.message).toMatch(/^Integrity mismatch for the inline plugin code/)
  })
})

describe("resolveManifest: defaults", () => {
  it("keeps manifest, repository, repoType and author when the manifest gives them", async () => {
    const given = { manifest: "https://example.com/m.json", repository: "https://gitlab.com/u/hello", repoType: "github", author: { name: "A" } }
    server.serve("/given/manifest.json", { body: json({ ...MANIFEST, ...given }) })
    expect(ok(await resolveManifest(server.url("/given/manifest.json"), LOCAL)).input).toMatchObject(given)
  })

  it("infers repoType from the repository the manifest names", async () => {
    server.serve("/gh/manifest.json", { body: json({ ...MANIFEST, repository: "https://github.com/u/hello" }) })
    expect(ok(await resolveManifest(server.url("/gh/manifest.json"), LOCAL)).input.repoType).toBe("github")
  })

  it("defaults the author to {}", async () => {
    const { author: _author, ...anonymous } = MANIFEST
    server.serve("/anon/manifest.json", { body: json(anonymous) })
    expect(ok(await resolveManifest(server.url("/anon/manifest.json"), LOCAL)).input.author).toEqual({})
  })

  it("ignores an id in the manifest: the handler assigns ids", async () => {
    server.serve("/id/manifest.json", { body: json({ ...MANIFEST, id: 7 }) })
    expect(ok(await resolveManifest(server.url("/id/manifest.json"), LOCAL)).input).not.toHaveProperty("id")
  })
})

describe("resolveManifest: local files", () => {
  it("installs from a file path, with code relative to it", async () => {
    const folder = join(dir, "hello")
    await mkdir(join(folder, "dist"), { recursive: true })
    await writeFile(join(folder, "manifest.yaml"), `name: hello\nversion: "1.0.0"\npluginUrl: dist/index.js\nintegrity: ${sriDigest(CODE)}\n`)
    await writeFile(join(folder, "dist", "index.js"), CODE)
    const path = join(folder, "manifest.yaml")
    const result = ok(await resolveManifest(path))
    expect(result.source).toBe(path)
    expect(result.input).toEqual({
      name: "hello",
      version: "1.0.0",
      manifest: path,
      repository: folder,
      repoType: "local",
      author: {},
      plugin: CODE,
    })
    expect(ok(await resolveManifest(pathToFileURL(path).href)).input).toEqual(result.input)
    expect(ok(await resolveManifest(relative(process.cwd(), path))).input.manifest).toBe(path)
  })

  it("reads a local JSON manifest with inline code", async () => {
    const path = join(dir, "inline.json")
    await writeFile(path, json(MANIFEST))
    expect(ok(await resolveManifest(path)).input.plugin).toBe(CODE)
  })

  it("lets a local manifest fetch its code from the web", async () => {
    server.serve("/cdn/hello.js", { body: CODE })
    const path = join(dir, "remote-code.json")
    const { plugin: _code, ...metadata } = MANIFEST
    await writeFile(path, json({ ...metadata, pluginUrl: server.url("/cdn/hello.js") }))
    expect(ok(await resolveManifest(path, LOCAL)).input.plugin).toBe(CODE)
  })
})

/** Streams "a"s until the client goes away, with no Content-Length. */
function endless(_request: unknown, response: ServerResponse): void {
  response.writeHead(200, { "content-type": "application/json" })
  const chunk = Buffer.alloc(16 * 1024, "a")
  const pump = () => {
    while (!response.destroyed && response.write(chunk));
  }
  response.on("drain", pump)
  pump()
}

/** Nine levels of nine aliases: 9^9 strings if anything expanded it. */
function aliasBomb(): string {
  const names = "abcdefghi"
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let level = 1; level < names.length; level++) {
    lines.push(`${names[level]}: &${names[level]} [${Array(9).fill(`*${names[level - 1]}`).join(",")}]`)
  }
  return `name: bomb\nversion: "1.0.0"\nplugin: x\n${lines.join("\n")}\n`
}

interface BadCase {
  name: string
  /** Served at /bad/<index>/<file>; the source is that URL unless `source` is given. */
  fixture?: Fixture | FixtureHandler
  file?: string
  extra?: Record<string, Fixture | FixtureHandler>
  source?: () => string | Promise<string>
  options?: ResolveOptions
  kind: string
  message: RegExp
  /** The result must arrive within this many ms. */
  within?: number
}

const { plugin: _code, ...withoutCode } = MANIFEST
const manifestWith = (fields: Record<string, unknown>): Fixture => ({ body: json({ ...MANIFEST, ...fields }) })

const BAD: BadCase[] = [
  {
    name: "a missing name",
    fixture: { body: json({ version: "1.0.0", plugin: CODE }) },
    kind: "validation",
    message: /^Invalid manifest: name: Invalid input: expected string, received undefined$/,
  },
  { name: "a numeric version", fixture: manifestWith({ version: 1 }), kind: "validation", message: /^Invalid manifest: version: .*expected string, received number/ },
  { name: "an unknown repoType", fixture: manifestWith({ repoType: "svn" }), kind: "validation", message: /^Invalid manifest: repoType: .*"github"/ },
  {
    name: "several bad fields, each named",
    fixture: manifestWith({ name: "", tags: "a", author: "me" }),
    kind: "validation",
    message: /name: .*; author: .*; tags: /,
  },
  { name: "a malformed integrity", fixture: manifestWith({ integrity: "md5-abc" }), kind: "validation", message: /integrity: integrity must be sha256-/ },
  { name: "both plugin and pluginUrl", fixture: manifestWith({ pluginUrl: "code.js" }), kind: "validation", message: /pluginUrl: give either plugin or pluginUrl, not both/ },
  { name: "neither plugin nor pluginUrl", fixture: { body: json(withoutCode) }, kind: "validation", message: /plugin: a manifest needs the code inline \(plugin\) or a pluginUrl/ },
  { name: "non-UTF-8 bytes", fixture: { body: Buffer.from([0x7b, 0x22, 0x6e, 0xff, 0xfe, 0x22, 0x7d]) }, kind: "parse", message: /is not UTF-8 text/ },
  { name: "an empty body", fixture: { body: "" }, kind: "parse", message: /is empty$/ },
  { name: "a blank body", fixture: { body: " \n\n " }, kind: "parse", message: /is empty$/ },
  { name: "invalid JSON", fixture: { body: '{"name": "x",' }, kind: "parse", message: /^Invalid JSON in .*manifest\.json \(read as JSON because of its file extension\)/ },
  { name: "invalid YAML", file: "manifest.yaml", fixture: { body: "name: [x\n" }, kind: "parse", message: /^Invalid YAML in .*manifest\.yaml: .*line/ },
  { name: "a YAML list", file: "manifest.yaml", fixture: { body: "- a\n" }, kind: "parse", message: /must be an object \(a map of fields\), got a list/ },
  { name: "a YAML custom tag", file: "manifest.yaml", fixture: { body: "name: !x y\n" }, kind: "parse", message: /Unresolved tag: !x/ },
  { name: "a YAML alias bomb", file: "manifest.yaml", fixture: { body: aliasBomb() }, kind: "parse", message: /billion laughs/, within: 10_000 },
  {
    name: "a body over the cap, declared by Content-Length",
    fixture: { body: json({ ...MANIFEST, description: "x".repeat(4096) }) },
    options: { maxManifestBytes: 2048 },
    kind: "fetch",
    message: /^response too large: Content-Length is \d+ bytes, over the 2 KiB limit/,
  },
  {
    name: "an endless body without Content-Length",
    fixture: endless,
    kind: "fetch",
    message: /^response too large: more than 1048576 bytes streamed, over the 1 MiB limit/,
  },
  {
    name: "an HTML page served as text/html",
    fixture: { headers: { "content-type": "text/html; charset=utf-8" }, body: "<!doctype html><h1>Sign in</h1>" },
    kind: "parse",
    message: /^Got an HTML page, not a manifest/,
  },
  {
    name: "an HTML page behind a .json name",
    fixture: { headers: { "content-type": "text/plain" }, body: "\n<!DOCTYPE html>\n<html><body>blob view</body></html>" },
    kind: "parse",
    message: /^Got an HTML page, not a manifest/,
  },
  { name: "a server that never answers", fixture: () => undefined, options: { timeoutMs: 300 }, kind: "unreachable", message: /timed out after 300 ms fetching/, within: 10_000 },
  { name: "a 404", source: () => server.url("/bad/nothing/manifest.json"), kind: "fetch", message: /^HTTP 404 Not Found fetching http:\/\/127\.0\.0\.1:\d+\/bad\/nothing\/manifest\.json$/ },
  {
    name: "a redirect loop",
    fixture: (request, response) => {
      response.writeHead(302, { location: request.url ?? "/" })
      response.end()
    },
    kind: "fetch",
    message: /^too many redirects \(more than 5\) fetching/,
  },
  {
    name: "a refused connection",
    source: async () => {
      const closed = createServer()
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
      const { port } = closed.address() as AddressInfo
      await new Promise((resolve) => closed.close(resolve))
      return `http://127.0.0.1:${port}/manifest.json`
    },
    kind: "unreachable",
    message: /is unreachable: connection refused by 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
  },
  { name: "an unsupported scheme", source: () => "ftp://example.com/manifest.json", kind: "validation", message: /unsupported scheme "ftp:"/ },
  { name: "an empty source", source: () => "", kind: "validation", message: /source is empty/ },
  { name: "a missing local file", source: () => join(dir, "does-not-exist.json"), kind: "fetch", message: /^no such file: .*does-not-exist\.json$/ },
  {
    name: "a local file over the cap",
    source: async () => {
      const path = join(dir, "big.json")
      await writeFile(path, json({ ...MANIFEST, description: "x".repeat(4096) }))
      return path
    },
    options: { maxManifestBytes: 2048 },
    kind: "fetch",
    message: /^file too large: .*big\.json is \d+ bytes, over the 2 KiB limit$/,
  },
  { name: "a directory", source: () => dir, kind: "fetch", message: /is not a regular file$/ },
  {
    name: "a pluginUrl that is not found",
    fixture: { body: json({ ...withoutCode, pluginUrl: "missing.js" }) },
    kind: "fetch",
    message: /^HTTP 404 Not Found fetching .*\/missing\.js$/,
  },
  {
    name: "a pluginUrl over maxCodeBytes",
    fixture: { body: json({ ...withoutCode, pluginUrl: "big.js" }) },
    extra: { "big.js": { body: `export default {}\n//${"x".repeat(5000)}` } },
    options: { maxCodeBytes: 4096 },
    kind: "fetch",
    message: /^response too large: .*over the 4 KiB limit, fetching .*\/big\.js$/,
  },
  {
    name: "a pluginUrl serving an empty file",
    fixture: { body: json({ ...withoutCode, pluginUrl: "empty.js" }) },
    extra: { "empty.js": { body: "\n" } },
    kind: "parse",
    message: /^The plugin code at .*\/empty\.js is empty$/,
  },
  {
    name: "a pluginUrl serving HTML",
    fixture: { body: json({ ...withoutCode, pluginUrl: "login.js" }) },
    extra: { "login.js": { body: "<!DOCTYPE html><form>log in</form>" } },
    kind: "parse",
    message: /^Got an HTML page, not JavaScript, for the plugin code at/,
  },
  {
    name: "a remote manifest pointing at a local file",
    fixture: { body: json({ ...withoutCode, pluginUrl: "file:///etc/passwd" }) },
    kind: "validation",
    message: /points at a local file/,
  },
  {
    name: "non-UTF-8 code",
    fixture: { body: json({ ...withoutCode, pluginUrl: "latin1.js" }) },
    extra: { "latin1.js": { body: Buffer.from('export default { name: "gr\xfc\xdfe" }', "latin1") } },
    kind: "parse",
    message: /^the plugin code at .*latin1\.js is not UTF-8 text/,
  },
  { name: "a bad option", source: () => server.url("/json/manifest.json"), options: { timeoutMs: -1 }, kind: "validation", message: /^Option timeoutMs must be/ },
  {
    name: "a manifest on loopback while private networks are not allowed (the library's default)",
    source: () => server.url("/json/manifest.json"),
    options: { allowPrivateNetwork: false },
    kind: "forbidden-address",
    message: /^Refusing to fetch http:\/\/127\.0\.0\.1:\d+\/json\/manifest\.json: the address is 127\.0\.0\.1, in loopback \(127\.0\.0\.0\/8\); .*allowPrivateNetwork: true$/,
  },
  {
    name: "a pluginUrl at the cloud metadata address",
    fixture: { body: json({ ...withoutCode, pluginUrl: "http://169.254.169.254/latest/user-data" }) },
    kind: "forbidden-address",
    message: /^Refusing to fetch http:\/\/169\.254\.169\.254\/latest\/user-data: the address is 169\.254\.169\.254, in link-local and cloud metadata \(169\.254\.0\.0\/16\); the installer never fetches/,
  },
  {
    name: "a pluginUrl whose host name resolves to a link-local address",
    fixture: { body: json({ ...withoutCode, pluginUrl: "http://metadata.internal.test/code.js" }) },
    options: { lookup: async (hostname) => (hostname === "metadata.internal.test" ? [{ address: "fe80::a9fe:a9fe", family: 6 }] : []) },
    kind: "forbidden-address",
    message: /metadata\.internal\.test resolves to fe80::a9fe:a9fe, in link-local \(fe80::\/10\)/,
  },
]

describe("resolveManifest: bad input", () => {
  it.each(BAD.map((entry, index) => [entry.name, index, entry] as const))("refuses %s with a message naming it", async (_name, index, entry) => {
    const base = `/bad/${index}/`
    if (entry.fixture !== undefined) server.serve(`${base}${entry.file ?? "manifest.json"}`, entry.fixture)
    for (const [file, fixture] of Object.entries(entry.extra ?? {})) server.serve(`${base}${file}`, fixture)
    const source = entry.source ? await entry.source() : server.url(`${base}${entry.file ?? "manifest.json"}`)
    const started = performance.now()
    const result = await resolveManifest(source, { ...LOCAL, ...entry.options })
    if (entry.within !== undefined) expect(performance.now() - started).toBeLessThan(entry.within)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect({ kind: result.kind, message: result.message }).toEqual({ kind: entry.kind, message: expect.stringMatching(entry.message) })
  })

  it("never throws, whatever it is given", async () => {
    for (const source of [undefined, null, 42, {}, "http://[::1", "\0"] as unknown[]) {
      const result = await resolveManifest(source as string)
      expect(result.ok).toBe(false)
    }
  })
})
