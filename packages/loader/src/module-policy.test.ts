import { describe, expect, it } from "vitest"
import { DB, createPluginRegistry } from "@dockstat/plugin-store"

import type { Logger, PluginRow } from "@dockstat/plugin-schema"

import { loadPlugin } from "./load-plugin.ts"
import { ImportNotAllowedError, prepareModuleSource } from "./module-source.ts"

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }

function store(db: DB, code: string): PluginRow {
  const registry = createPluginRegistry(db)
  const id = registry.insert({ name: "p", version: "1.0.0", repoType: "local", repository: "local", manifest: "local", author: {}, plugin: code })
  return registry.get(id) as PluginRow
}

const refusal = (code: string, options = {}) =>
  prepareModuleSource(code, options).then(
    () => undefined,
    (error: unknown) => error as ImportNotAllowedError,
  )

describe("refused built-ins", () => {
  it.each(["node:child_process", "child_process", "node:worker_threads", "module", "node:v8", "node:inspector/promises"])("%s is refused naming the module and the grant", async (specifier) => {
    const error = await refusal(`import x from "${specifier}"\nexport default {}`)
    expect(error).toBeInstanceOf(ImportNotAllowedError)
    expect(error?.specifier).toBe(specifier)
    const name = specifier.startsWith("node:") ? specifier : `node:${specifier}`
    expect(error?.message).toBe(
      `import of "${name}" is refused: it reaches beyond the plugin (processes, threads, other modules or the host itself); ` +
        `an admin can grant it with the handler option grantModules: { "<plugin name>": ["${name}"] }`,
    )
  })

  it("a literal dynamic import is refused at load like a static one", async () => {
    expect((await refusal(`export default { x: () => import("node:cluster") }`))?.message).toMatch(/^import of "node:cluster" is refused/)
  })

  it("a grant lets the module through, in either spelling", async () => {
    const { source } = await prepareModuleSource(`import cp from "child_process"\nexport default {}`, { grantModules: ["node:child_process"] })
    expect(source).toContain('from "node:child_process"')
    expect(await refusal(`import cp from "node:child_process"\nexport default {}`, { grantModules: ["child_process"] })).toBeUndefined()
  })

  it("with a guard, every import( calls it and computed specifiers are left to it", async () => {
    const code = "const a = await import ( name ); const b = await import(`node:${x}`); const c = await import(\"fs\"); export default { url: import.meta.url }"
    const { source } = await prepareModuleSource(code, { dynamicImportGuard: "__guard" })
    expect(source).toBe('const a = await __guard( name ); const b = await __guard(`node:${x}`); const c = await __guard("node:fs"); export default { url: import.meta.url }')
  })
})

describe("refused built-ins in the inline runtime", () => {
  it("fail the load, naming the module", async () => {
    const db = new DB(":memory:")
    const error = await loadPlugin(store(db, `import { fork } from "node:child_process"\nexport default {}`), { db, logger: silent, runtime: "inline" }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    )
    expect(error?.message).toMatch(/^Could not load plugin "p" \(id 1\): import of "node:child_process" is refused/)
  })

  it("are refused to a computed import when the code runs, and granted ones load", async () => {
    const db = new DB(":memory:")
    const code = `export default { config: { apiRoutes: { "/x": { actions: ["x"] } }, actions: { x: async () => typeof (await import("node:" + "child_process")).fork } } }`
    const input = { method: "GET" as const, path: "/x", params: {}, query: {}, headers: {}, body: undefined }
    const refused = await loadPlugin(store(db, code), { db, logger: silent, runtime: "inline" })
    await expect(refused.instance.runRoute("/x", input)).rejects.toThrow(/import of "node:child_process" is refused/)
    const granted = await loadPlugin(createPluginRegistry(db).get(1) as PluginRow, { db, logger: silent, runtime: "inline", grantModules: ["node:child_process"] })
    expect(await granted.instance.runRoute("/x", input)).toBe("function")
  })
})

describe("modules a runtime adds beside Node's built-ins", () => {
  // Bun counts these as built-ins (bun:ffi runs native code); plugin code gets Node's built-ins only, on any host.
  it.each(["bun:ffi", "bun:sqlite", "bun", "ws", "undici", "node:bun:ffi"])("%s is not allowed, like any package", async (specifier) => {
    const error = await refusal(`import x from "${specifier}"\nexport default {}`)
    expect(error).toBeInstanceOf(ImportNotAllowedError)
    expect(error?.message).toBe(`import of "${specifier}" is not allowed: plugin code may import only @dockstat/plugin-handler (or @dockstat/sqlite-wrapper, @dockstat/plugin-builder) and node: built-ins`)
  })

  it("a computed import of one fails inside an inline plugin, naming it", async () => {
    const db = new DB(":memory:")
    const code = `export default { config: { apiRoutes: { "/x": { actions: ["x"] } }, actions: { x: async () => typeof (await import("bun:" + "ffi")).dlopen } } }`
    const input = { method: "GET" as const, path: "/x", params: {}, query: {}, headers: {}, body: undefined }
    const { instance } = await loadPlugin(store(db, code), { db, logger: silent, runtime: "inline" })
    await expect(instance.runRoute("/x", input)).rejects.toThrow(/import of "bun:ffi" is not allowed/)
  })
})
