import { execFile, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

import { startServer } from "./server.ts"
import { startStaticServer } from "./test-support/static-server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

import type { ChildProcess } from "node:child_process"

// The whole authoring path as a user takes it, with real pnpm and real processes: `new` writes a project
// into a temp folder, pnpm installs it (from the store: the workspace's own tools), its tests run the
// plugin in a real host, `build` writes the manifest, the CLI installs it from the file and by URL, and
// `dev` reloads it into a running demo server. Slow by nature: every step is a process of its own.

const BIN = fileURLToPath(new URL("../bin/dockstat-plugins.mjs", import.meta.url))
const NAME = "weather-log"

interface Run {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of a child: without the npm and pnpm settings of the pnpm (or turbo) that started
 * this test, which would otherwise apply to the child's pnpm too.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|INIT_CWD$|NODE_OPTIONS$|VITEST)/i.test(key)) env[key] = value
  }
  return { ...env, LOG_LEVEL: "", FORCE_COLOR: "0", NO_COLOR: "1", ...extra }
}

function exec(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: childEnv(env), timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr })
    })
  })
}

const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => exec(process.execPath, [BIN, ...args], cwd, env)
const pnpm = (args: string[], cwd: string, env: Record<string, string> = {}) => exec("pnpm", args, cwd, env)

function expectOk(run: Run, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited with ${run.code}:\n${run.stdout}\n${run.stderr}`)
}

/** The plugin's routes through a demo server on `dbPath` (the server the CLI's database serves). */
async function withServer<T>(dbPath: string, use: (base: string) => Promise<T>): Promise<T> {
  const server = await startServer({ dbPath, port: 0, logLevel: "silent", installExamples: false, docker: false })
  try {
    return await use(server.url)
  } finally {
    await server.close()
  }
}

async function postNote(url: string, note: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ note }) })
  return { status: response.status, body: await response.json() }
}

describe("plugin authoring: new, pnpm install/test/typecheck/build, install, dev", { timeout: 600_000 }, () => {
  const temp = createTempDir("dockstat-authoring-")
  const project = join(temp.path, "projects", NAME)
  const file = (path: string) => join(project, path)
  afterAll(() => temp.remove())

  it("new writes a project that installs from the pnpm store and whose tests, typecheck and build pass", async () => {
    const created = await cli(["new", NAME, "--dir", "projects/weather-log"], temp.path, { INIT_CWD: temp.path })
    expectOk(created, "dockstat-plugins new")
    expect(created.stdout).toContain(`Created ${NAME} in projects/weather-log: package.json`)
    for (const path of ["package.json", "pnpm-workspace.yaml", "tsconfig.json", "vitest.config.ts", "src/index.ts", "src/index.test.ts"]) expect(existsSync(file(path))).toBe(true)
    const pkg = JSON.parse(readFileSync(file("package.json"), "utf8")) as { scripts: Record<string, string>; dependencies: Record<string, string> }
    expect(pkg.scripts).toMatchObject({ build: "dockstat-plugins build", dev: "dockstat-plugins dev", test: "vitest run" })
    expect(pkg.dependencies["@dockstat/plugin-handler"]).toMatch(/^link:(\.\.\/)+.*packages\/plugin-handler$/)

    // A second `new` into the same folder refuses, and changes nothing.
    const again = await cli(["new", NAME, "--dir", project], temp.path)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("already exists and is not empty")
    const [badName, badRuntime, wrongFlag, notAProject] = await Promise.all([
      cli(["new", "Bad Name"], temp.path),
      cli(["dev", project, "--runtime", "root"], temp.path),
      cli(["build", project, "--dir", "x"], temp.path),
      cli(["build", temp.path], temp.path),
    ])
    expect(badName).toMatchObject({ code: 2, stderr: expect.stringContaining("A plugin name is 1-50 lowercase letters") })
    expect(badRuntime).toMatchObject({ code: 2, stderr: '--runtime must be one of sandbox, worker, inline, got "root"\n' })
    expect(wrongFlag).toMatchObject({ code: 2, stderr: expect.stringContaining('--dir applies to "new" only') })
    expect(notAProject).toMatchObject({ code: 1, stderr: expect.stringContaining("has no package.json; is it a plugin project?") })

    // Offline from the store when its metadata is there; else the registry may fill the gaps.
    let install = await pnpm(["install", "--offline"], project)
    if (install.code !== 0) install = await pnpm(["install", "--prefer-offline"], project)
    expectOk(install, "pnpm install")

    const test = await pnpm(["test"], project)
    expectOk(test, "pnpm test")
    expect(test.stdout).toMatch(/Tests\s+4 passed \(4\)/)

    expectOk(await pnpm(["typecheck"], project), "pnpm typecheck")

    const build = await pnpm(["build"], project)
    expectOk(build, "pnpm build")
    expect(build.stdout).toContain(`Built ${NAME}@0.1.0: dist/plugin.js`)
    const code = readFileSync(file("dist/plugin.js"), "utf8")
    const manifest = JSON.parse(readFileSync(file("dist/manifest.json"), "utf8")) as Record<string, unknown>
    expect(manifest).toEqual({
      name: NAME,
      version: "0.1.0",
      description: `${NAME}: a DockStat plugin`,
      permissions: { network: [], env: [] },
      pluginUrl: "./plugin.js",
      integrity: `sha384-${createHash("sha384").update(code).digest("base64")}`,
    })
    // One ES module with the SDK left for the host, and the source map beside it.
    expect(code).toMatch(/^import \{[^}]*definePlugin[^}]*\} from "@dockstat\/plugin-handler";$/m)
    expect(code).not.toContain("readNote(body: unknown)")
    expect(JSON.parse(readFileSync(file("dist/plugin.js.map"), "utf8"))).toMatchObject({ sources: ["../src/index.ts"] })
  })

  it("the built manifest installs with the CLI, and its route answers through the demo server", async () => {
    const dbPath = temp.file("cli.db")
    const install = await pnpm(["exec", "dockstat-plugins", "install", "dist/manifest.json"], project, { DOCKSTAT_DB: dbPath })
    expectOk(install, "dockstat-plugins install")
    expect(install.stdout).toContain(`Installed ${NAME}@0.1.0 (id 1)`)
    expect(install.stdout).toMatch(/GET,POST\s+\/events\s+\/api\/v2\/plugins\/1\/routes\/events/)
    await withServer(dbPath, async (base) => {
      expect(await postNote(`${base}/api/v2/plugins/1/routes/events`, "installed from a file")).toEqual({ status: 201, body: { id: 1 } })
      const listed = await fetch(`${base}/api/v2/plugins/1/routes/events`)
      expect(await listed.json()).toMatchObject([{ id: 1, kind: "note", note: "installed from a file" }])
    })
  })

  it("installs by URL from a static server, and refuses code that does not match its sha384 integrity", async () => {
    const code = readFileSync(file("dist/plugin.js"), "utf8")
    const manifest = readFileSync(file("dist/manifest.json"), "utf8")
    const server = await startStaticServer({
      "/weather/manifest.json": { body: manifest, contentType: "application/json" },
      "/weather/plugin.js": { body: code, contentType: "text/javascript" },
      "/tampered/manifest.json": { body: manifest, contentType: "application/json" },
      "/tampered/plugin.js": { body: code.replace('"note"', '"n0te"'), contentType: "text/javascript" },
    })
    try {
      const dbPath = temp.file("url.db")
      const [tampered, install] = await Promise.all([
        cli(["install", server.url("/tampered/manifest.json")], temp.path, { DOCKSTAT_DB: temp.file("tampered.db") }),
        cli(["install", server.url("/weather/manifest.json")], temp.path, { DOCKSTAT_DB: dbPath }),
      ])
      expect(tampered.code).toBe(1)
      expect(tampered.stderr).toMatch(/Install failed \(integrity\): Integrity mismatch for the plugin code at .*\/tampered\/plugin\.js: the manifest expects sha384-/)
      expectOk(install, "install by URL")
      expect(install.stdout).toContain(`Installed ${NAME}@0.1.0 (id 1)`)
      await withServer(dbPath, async (base) => {
        expect(await postNote(`${base}/api/v2/plugins/1/routes/events`, "installed by URL")).toEqual({ status: 201, body: { id: 1 } })
      })
    } finally {
      await server.close()
    }
  })

  it("build --inline puts the code into the manifest, which installs on its own", async () => {
    const build = await cli(["build", project, "--inline"], temp.path)
    expectOk(build, "build --inline")
    const manifest = JSON.parse(readFileSync(file("dist/manifest.json"), "utf8")) as { plugin: string; integrity: string; pluginUrl?: string }
    expect(manifest.pluginUrl).toBeUndefined()
    expect(manifest.integrity).toBe(`sha384-${createHash("sha384").update(manifest.plugin).digest("base64")}`)
    expect(existsSync(file("dist/plugin.js"))).toBe(false)
    const server = await startServer({ dbPath: temp.file("inline.db"), port: 0, logLevel: "silent", installExamples: false, docker: false })
    try {
      expect(await server.handler.installFromManifestLink(file("dist/manifest.json"))).toMatchObject({ success: true, id: 1 })
    } finally {
      await server.close()
    }
  })

  it("build reports a source that does not build with file:line:col and leaves dist/ as it was", async () => {
    const source = readFileSync(file("src/index.ts"), "utf8")
    const before = readFileSync(file("dist/manifest.json"), "utf8")
    writeFileSync(file("src/index.ts"), source.replace("const note = readNote(body)", "const note = readNote(body) +"))
    try {
      const build = await cli(["build"], project)
      expect(build.code).toBe(1)
      const line = source.split("\n").findIndex((text) => text.includes("const note = readNote(body)")) + 2
      expect(build.stderr).toMatch(new RegExp(`^Build of ${NAME} failed; dist/ is left as it was:\\nsrc/index\\.ts:${line}:9: Unexpected "if"`))
      expect(readFileSync(file("dist/manifest.json"), "utf8")).toBe(before)
    } finally {
      writeFileSync(file("src/index.ts"), source)
    }
  })

  describe("dev", () => {
    let child: ChildProcess | undefined
    let output = ""
    afterAll(() => {
      if (child?.exitCode === null) child.kill("SIGKILL")
    })

    /** Waits until the output after `from` matches; returns the match and where it ends. */
    const waitFor = async (pattern: RegExp, from: number, what: string): Promise<{ match: RegExpExecArray; end: number }> => {
      const deadline = Date.now() + 120_000
      for (;;) {
        const match = pattern.exec(output.slice(from))
        if (match) return { match, end: from + match.index + match[0].length }
        if (child?.exitCode !== null) throw new Error(`dev exited (${String(child?.exitCode)}) before ${what}:\n${output}`)
        if (Date.now() > deadline) throw new Error(`no ${what} within 120 s:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }

    it("reloads on every change keeping the rows, shows build and load errors at their source line, and recovers", async () => {
      const original = readFileSync(file("src/index.ts"), "utf8")
      const lines = original.split("\n")
      child = spawn(process.execPath, [BIN, "dev", project], {
        cwd: temp.path,
        env: childEnv({ PORT: "0", DOCKSTAT_DB: temp.file("dev.db"), DOCKSTAT_DOCKER_EVENTS: "off", LOG_LEVEL: "error" }),
        stdio: ["ignore", "pipe", "pipe"],
      })
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))

      let at = (await waitFor(/\[dev\] Serving weather-log@0\.1\.0 \(id (\d+), sandbox runtime\); table weather_log_events: 0 rows\n/, 0, "the first load")).end
      const routeLine = await waitFor(/ {2}GET,POST +(http:\/\/127\.0\.0\.1:\d+\/api\/v2\/plugins\/\d+\/routes\/events)\n/, 0, "the route URL")
      const url = routeLine.match[1] as string
      expect(await postNote(url, "first")).toEqual({ status: 201, body: { id: 1 } })

      // A change of behaviour: the new version serves, the row of the old one is still there.
      const v2 = original.replace("table.insert({ kind: \"note\", note }).insertId }", "table.insert({ kind: \"note\", note: note.toUpperCase() }).insertId, version: 2 }")
      expect(v2).not.toBe(original)
      writeFileSync(file("src/index.ts"), v2)
      at = (await waitFor(/\[dev\] Reloaded weather-log@0\.1\.0 \(id \d+, sandbox runtime\); table weather_log_events: 1 row\n/, at, "the reload")).end
      expect(await postNote(url, "second")).toEqual({ status: 201, body: { id: 2, version: 2 } })
      expect(await (await fetch(url)).json()).toMatchObject([{ id: 2, note: "SECOND" }, { id: 1, note: "first" }])

      // A syntax error: esbuild names the place in the TypeScript source; version 2 keeps serving.
      const noteLine = lines.findIndex((text) => text.includes("const note = readNote(body)")) + 1
      writeFileSync(file("src/index.ts"), v2.replace("const note = readNote(body)", "const note = readNote(body) +"))
      at = (await waitFor(/\[dev\] Build of weather-log failed:\n\[dev\] (src\/index\.ts:\d+:\d+): error: Unexpected "if"\n/, at, "the build error")).end
      expect(output).toContain(`[dev] src/index.ts:${noteLine + 1}:9: error: Unexpected "if"`)
      at = (await waitFor(/\[dev\] weather-log@0\.1\.0 \(id \d+\) keeps serving/, at, "keeps serving")).end
      expect(await postNote(url, "third")).toEqual({ status: 201, body: { id: 3, version: 2 } })

      // A throw while loading: the host names the line of the bundle, the source map the TypeScript line.
      const throwing = `${v2}\nfunction connect(): never {\n  throw new Error("no connection to the weather service")\n}\nconnect()\n`
      const throwLine = throwing.split("\n").findIndex((text) => text.includes("throw new Error(\"no connection")) + 1
      writeFileSync(file("src/index.ts"), throwing)
      const loadError = await waitFor(/\[dev\] (src\/index\.ts):(\d+):(\d+): load failed: (.*)\n/, at, "the load error")
      expect(loadError.match[2]).toBe(String(throwLine))
      expect(loadError.match[4]).toContain("no connection to the weather service")
      expect(loadError.match[4]).toContain("version 0.1.0 stays installed and running")
      expect(output.slice(loadError.end)).toMatch(new RegExp(`^ {4}${throwLine} \\| {3}throw new Error\\("no connection to the weather service"\\)\\n`))
      at = (await waitFor(/keeps serving/, loadError.end, "keeps serving after the load error")).end
      expect(await postNote(url, "fourth")).toEqual({ status: 201, body: { id: 4, version: 2 } })

      // Fixed: it loads again, every row kept.
      writeFileSync(file("src/index.ts"), original)
      at = (await waitFor(/\[dev\] Reloaded weather-log@0\.1\.0 \(id \d+, sandbox runtime\); table weather_log_events: 4 rows\n/, at, "the recovery")).end
      expect(await postNote(url, "fifth")).toEqual({ status: 201, body: { id: 5 } })

      const exited = new Promise<number | null>((resolve) => child?.once("exit", (exitCode) => resolve(exitCode)))
      child.kill("SIGINT")
      expect(await exited).toBe(0)
    })
  })
})
