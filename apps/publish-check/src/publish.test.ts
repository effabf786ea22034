/**
 * The packages as a stranger gets them: `pnpm build`, `pnpm -r pack` of the publishable packages, the
 * tarballs installed with npm into an empty project, and the README's handler example run there under
 * plain `node` (no tsx, no workspace, no TypeScript sources).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { cleanEnv, run, runOk } from "./run.ts"
import { ROOT, readmeExample, workspacePackages } from "./workspace.ts"
import type { WorkspacePackage } from "./workspace.ts"

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url))

describe("published packages (built, packed, installed with npm into an empty project)", () => {
  const temp = mkdtempSync(join(tmpdir(), "dockstat-publish-"))
  const packs = join(temp, "packs")
  const consumer = join(temp, "consumer")
  let packages: WorkspacePackage[] = []
  let publishable: WorkspacePackage[] = []

  beforeAll(async () => {
    await runOk("pnpm", ["build"], { cwd: ROOT })
    packages = await workspacePackages()
    publishable = packages.filter((pkg) => !pkg.private)
    const filters = publishable.flatMap((pkg) => ["--filter", pkg.name])
    await runOk("pnpm", ["-r", ...filters, "pack", "--pack-destination", packs], { cwd: ROOT })

    mkdirSync(consumer)
    const env = cleanEnv()
    await runOk("npm", ["init", "-y"], { cwd: consumer, env })
    const tarballs = readdirSync(packs).map((name) => join(packs, name))
    // --ignore-scripts: npm 11 runs no dependency install scripts unless approved anyway (esbuild and libsql
    // find their platform binaries through optional dependencies), and without the flag npm took ~90 s more here.
    await runOk("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", ...tarballs], { cwd: consumer, env })
  })

  afterAll(() => rmSync(temp, { recursive: true, force: true }))

  it("packs every package under packages/ and no app", () => {
    const relative = (pkg: WorkspacePackage) => pkg.path.slice(ROOT.length)
    expect(publishable.map(relative).sort()).toEqual(packages.map(relative).filter((path) => path.startsWith("packages/")).sort())
    expect(readdirSync(packs)).toHaveLength(publishable.length)
  })

  it("installs packages that point at built JavaScript and declarations, with real versions", () => {
    for (const { name } of publishable) {
      const dir = join(consumer, "node_modules", name)
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>
      // The SDK has two more entries: the authoring tools (bundlePlugin, createTestHost).
      const subpaths = name === "@dockstat/plugin-handler" ? ["testing", "build"] : []
      const entries = subpaths.map((sub) => [`./${sub}`, { types: `./dist/${sub}.d.ts`, default: `./dist/${sub}.js` }])
      expect(manifest.exports, name).toEqual({ ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, ...Object.fromEntries(entries) })
      for (const sub of subpaths) expect(existsSync(join(dir, "dist", `${sub}.js`)), `${name}/${sub}`).toBe(true)
      expect(manifest.types, name).toBe("./dist/index.d.ts")
      expect(JSON.stringify(manifest.dependencies ?? {}), name).not.toContain("workspace:")
      expect(existsSync(join(dir, "dist", "index.js")), name).toBe(true)
      expect(existsSync(join(dir, "dist", "index.d.ts")), name).toBe(true)
      expect(existsSync(join(dir, "src")), name).toBe(false)
    }
  })

  it("runs the README's handler example under plain node", async () => {
    writeFileSync(join(consumer, "example.mjs"), readmeExample("## Using the handler"))
    const result = await run(process.execPath, ["example.mjs"], { cwd: consumer, env: cleanEnv() })
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("installed_plugins: { count: 0, data: [] }")
    expect(result.stdout).toContain("loaded_plugins: []")
    expect(existsSync(join(consumer, "app.db"))).toBe(true)
  })

  it("serves a plugin with a table in the sandbox, worker and inline runtimes", async () => {
    copyFileSync(join(FIXTURES, "runtimes.mjs"), join(consumer, "runtimes.mjs"))
    const result = await run(process.execPath, ["runtimes.mjs"], { cwd: consumer, env: cleanEnv() })
    expect(result.stderr).toBe("")
    expect(result).toMatchObject({ code: 0, stdout: '{"sandbox":1,"worker":2,"inline":3}\n' })
  })

  it("bundles a TypeScript plugin and runs it in a test host, from the SDK's build and testing entries", async () => {
    copyFileSync(join(FIXTURES, "testing.mjs"), join(consumer, "testing.mjs"))
    const result = await run(process.execPath, ["testing.mjs"], { cwd: consumer, env: cleanEnv() })
    expect(result.stderr).toBe("")
    expect(result).toMatchObject({ code: 0, stdout: '{"external":true,"status":201,"body":{"text":"hello npm"}}\n' })
  })

  it("type-checks a TypeScript consumer against the installed declarations", async () => {
    for (const file of ["consumer.mts", "tsconfig.json"]) copyFileSync(join(FIXTURES, file), join(consumer, file))
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc")
    const result = await run(process.execPath, [tsc, "-p", "."], { cwd: consumer })
    expect(result.stdout + result.stderr).toBe("")
    expect(result.code).toBe(0)
  })
})
