import { mkdirSync, writeFileSync } from "node:fs"
import { afterAll, describe, expect, it } from "vitest"

import { readPluginProject } from "./plugin-project.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

describe("readPluginProject", () => {
  const temp = createTempDir("dockstat-project-")
  afterAll(() => temp.remove())
  let count = 0

  /** A project folder with this package.json (an object, or raw text) and, unless told otherwise, src/index.ts. */
  function project(pkg: unknown, options: { entry?: string | null } = {}): string {
    const dir = temp.file(`p${++count}`)
    mkdirSync(`${dir}/src`, { recursive: true })
    if (pkg !== undefined) writeFileSync(`${dir}/package.json`, typeof pkg === "string" ? pkg : JSON.stringify(pkg))
    if (options.entry !== null) writeFileSync(`${dir}/${options.entry ?? "src/index.ts"}`, "export default {}\n")
    return dir
  }

  it("reads name, version, description, permissions and the entry", () => {
    const dir = project({ name: "weather", version: "1.2.0", description: "Weather", dockstat: { permissions: { network: ["api.example.com"], env: ["TOKEN"] } } })
    expect(readPluginProject(dir)).toEqual({
      dir,
      name: "weather",
      version: "1.2.0",
      description: "Weather",
      permissions: { network: ["api.example.com"], env: ["TOKEN"] },
      entry: `${dir}/src/index.ts`,
      distDir: `${dir}/dist`,
    })
    expect(readPluginProject(project({ name: "js", version: "1.0.0" }, { entry: "src/index.js" }))).toMatchObject({ entry: expect.stringMatching(/src\/index\.js$/), permissions: { network: [], env: [] } })
  })

  it("says what is wrong with a folder that is not a plugin project", () => {
    expect(() => readPluginProject(temp.file("missing"))).toThrow(/is not a folder/)
    expect(() => readPluginProject(project(undefined))).toThrow(/has no package.json; is it a plugin project\?/)
    expect(() => readPluginProject(project("{ nope"))).toThrow(/package.json is not valid JSON/)
    expect(() => readPluginProject(project({ name: "@me/scoped", version: "1.0.0" }))).toThrow(/name must be the plugin's name, .* \(no npm scope\), got "@me\/scoped"/)
    expect(() => readPluginProject(project({ name: "ok", version: 1 }))).toThrow(/version must be a non-empty string, got 1/)
    expect(() => readPluginProject(project({ name: "ok", version: "1.0.0" }, { entry: null }))).toThrow(/has no src\/index.ts or src\/index.js/)
    expect(() => readPluginProject(project({ name: "ok", version: "1.0.0", dockstat: { permissions: { network: "api.example.com" } } }))).toThrow(/dockstat.permissions.network must be a list of strings/)
    expect(() => readPluginProject(project({ name: "ok", version: "1.0.0", dockstat: [] }))).toThrow(/dockstat must be an object/)
  })
})
