/**
 * A hostile worker plugin against the host: forged thread messages, signals and aborts, refused built-ins
 * and ways around the refusal. Each case checks that the host survives, a bystander plugin still answers
 * and no row is lost.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { pino } from "pino"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, PluginError } from "./index.ts"
import type { PluginHandlerOptions } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const bystander = `export default {
  config: {
    table: { name: "notes", columns: { id: column.id(), text: column.text() } },
    apiRoutes: { "/ping": { actions: ["ping"] }, "/add": { method: "POST", actions: ["add"] }, "/count": { actions: ["count"] } },
    actions: { ping: () => "pong", add: ({ table, body }) => table.insert(body), count: ({ table }) => table.count() },
  },
}`

/** A handler with the bystander (id 1, three rows) and the plugin under test (id 2); log lines are kept. */
async function start(name: string, code: string, options: PluginHandlerOptions = {}, { load = true } = {}) {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
  const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), ["API"], {
    logger,
    runtime: "worker",
    worker: { timeoutMs: 3000, maxCrashes: 50 },
    ...options,
  })
  handlers.push(handler)
  handler.savePlugin(pluginInput("bystander", bystander))
  handler.savePlugin(pluginInput(name, code))
  await handler.loadPlugin(1)
  if (load) await handler.loadPlugin(2)
  const call = (id: number, path: string, init?: RequestInit) => handler.handleRoute(id, path, new Request(`http://localhost${path}`, init))
  for (const text of ["a", "b", "c"]) await call(1, "/add", { method: "POST", body: JSON.stringify({ text }), headers: { "content-type": "application/json" } })
  const failure = async (path: string): Promise<PluginError> => {
    const error = await call(2, path).then(
      (value) => new Error(`expected a failure, got ${JSON.stringify(value)}`),
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PluginError)
    return error as PluginError
  }
  /** The host is alive, the bystander answers with all its rows, both plugins are still installed. */
  const survives = async () => {
    expect(await call(1, "/ping")).toBe("pong")
    expect(await call(1, "/count")).toBe(3)
    expect(handler.getAll().map((plugin) => plugin.name)).toEqual(expect.arrayContaining(["bystander", name]))
  }
  return { handler, call, failure, survives, lines }
}

describe("forged thread messages end the plugin's thread, never the host", () => {
  const forger = `
import { parentPort } from "node:worker_threads"
const forged = {
  "bad-level": { type: "log", level: "nonexistent", args: [] },
  "proto-level": { type: "log", level: "__proto__", args: [] },
  "null": null,
  "number": 42,
  "unknown-type": { type: "surprise" },
  "stray-result": { type: "result", id: 987654, ok: true, value: "forged" },
  "string-id": { type: "result", id: "1", ok: true, value: 1 },
  "bad-error": { type: "result", id: 1, ok: false, error: { code: 7 } },
  "many-args": { type: "log", level: "info", args: new Array(200000).fill("x") },
  "args-string": { type: "log", level: "info", args: "abc" },
  "huge-type": { type: "x".repeat(1 << 20) },
  "second-ready": { type: "ready" },
  "second-imported": { type: "imported", shape: {} },
}
export default {
  config: {
    apiRoutes: { "/forge/:kind": { actions: ["forge"] }, "/ok": { actions: ["ok"] } },
    actions: {
      ok: () => "ok",
      forge: async ({ params }) => {
        parentPort.postMessage(forged[params.kind])
        await new Promise((resolve) => setTimeout(resolve, 300))
        return "answered anyway"
      },
    },
  },
}`
  const kinds = ["bad-level", "proto-level", "null", "number", "unknown-type", "stray-result", "string-id", "bad-error", "many-args", "args-string", "huge-type", "second-ready", "second-imported"]

  it.each(kinds)("%s: the call fails, one error names the plugin, the plugin comes back", async (kind) => {
    const context = await start("forger", forger, { grantModules: { forger: ["node:worker_threads"] } })
    expect(await context.call(2, "/ok")).toBe("ok")
    const error = await context.failure(`/forge/${kind}`)
    expect(error.message).toMatch(/^Plugin "forger" sent a malformed message \(.+\); its thread was ended while running Route "\/forge\/:kind"$/)
    const errors = context.lines.filter((line) => line.level === 50)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.msg).toMatch(/^Plugin "forger" sent a malformed message/)
    await context.survives()
    expect(await context.call(2, "/ok")).toBe("ok")
  })

  it("a malformed message during the check-before-store load of an install: refused, nothing stored", async () => {
    const context = await start("forger", `export default {}`, { grantModules: { "import-forger": ["node:worker_threads"] } })
    const file = join(tempDir(), "manifest.json")
    const code = `import { parentPort } from "node:worker_threads"\nparentPort.postMessage({ type: "log", level: "nonexistent", args: [] })\nexport default {}`
    writeFileSync(file, JSON.stringify({ name: "import-forger", version: "1.0.0", repository: "https://example.com/p", author: { name: "x" }, repoType: "default", plugin: code }))
    const result = await context.handler.installFromManifestLink(file)
    expect(result.success).toBe(false)
    expect(result.message).toMatch(/cannot be installed: .*plugin "import-forger" sent a malformed message \(a log of level "nonexistent"\)/)
    await context.survives()
  })
})

describe("a worker plugin cannot end the host process", () => {
  const killer = `import { kill as namedKill } from "node:process"
export default {
  config: {
    apiRoutes: {
      "/ok": { actions: ["ok"] }, "/kill": { actions: ["kill"] }, "/sigkill": { actions: ["sigkill"] }, "/abort": { actions: ["abort"] },
      "/raw-kill": { actions: ["rawKill"] }, "/dlopen": { actions: ["dlopen"] }, "/binding": { actions: ["binding"] },
      "/linked": { actions: ["linked"] }, "/named-kill": { actions: ["namedKill"] }, "/builtin": { actions: ["builtin"] }, "/locks": { actions: ["locks"] }, "/really-exit": { actions: ["reallyExit"] },
    },
    actions: {
      ok: () => "ok",
      kill: () => process.kill(process.pid),
      sigkill: () => process.kill(process.pid, "SIGKILL"),
      abort: () => process.abort(),
      rawKill: () => process._kill(process.pid, 9),
      dlopen: () => process.dlopen({ exports: {} }, "/tmp/not-there.node"),
      binding: () => process.binding("spawn_sync"),
      linked: () => process._linkedBinding("anything"),
      namedKill: () => namedKill(process.pid, "SIGKILL"),
      builtin: () => typeof process.getBuiltinModule("node:child_process").spawn,
      locks: () => {
        const attempts = []
        for (const key of ["kill", "abort", "exit", "reallyExit", "dlopen", "binding", "getBuiltinModule"]) {
          try { process[key] = () => "mine" } catch { attempts.push(key + ": assign refused") }
          try { delete process[key] } catch { attempts.push(key + ": delete refused") }
          try { Object.defineProperty(process, key, { value: () => "mine" }) } catch { attempts.push(key + ": define refused") }
        }
        return attempts.length
      },
      reallyExit: () => process.reallyExit(7),
    },
  },
}`

  it.each([
    ["/kill", /process\.kill\(\) is disabled in the worker of plugin "killer"/],
    ["/sigkill", /process\.kill\(\) is disabled/],
    ["/abort", /process\.abort\(\) is disabled/],
    ["/raw-kill", /process\._kill\(\) is disabled/],
    ["/dlopen", /process\.dlopen\(\) is disabled/],
    ["/binding", /process\.binding\(\) is disabled/],
    ["/linked", /process\._linkedBinding\(\) is disabled/],
    ["/named-kill", /process\.kill\(\) is disabled/],
    ["/builtin", /import of "node:child_process" is refused/],
  ])("%s fails inside the plugin; the host and the bystander carry on", async (path, message) => {
    const context = await start("killer", killer)
    const error = await context.failure(path)
    expect([error.status, error.plugin]).toEqual([500, "killer"])
    expect(error.message).toMatch(message)
    await context.survives()
    expect(await context.call(2, "/ok")).toBe("ok")
  })

  it("the locked process methods cannot be put back; exit and reallyExit end only the plugin's thread", async () => {
    const context = await start("killer", killer)
    expect(await context.call(2, "/locks")).toBe(21)
    const error = await context.failure("/really-exit")
    expect(error.message).toMatch(/Plugin "killer" exited \(code 7\) while running Route "\/really-exit"/)
    await context.survives()
    expect(await context.call(2, "/ok")).toBe("ok")
  })
})

describe("built-ins that reach beyond the plugin are refused unless the admin grants them", () => {
  const runner = `import { execFileSync } from "node:child_process"
export default { config: { apiRoutes: { "/run": { actions: ["run"] } }, actions: { run: () => execFileSync(process.execPath, ["-e", "process.stdout.write('ran')"]).toString() } } }`

  it("an install from a local manifest file is refused, naming the module and how to grant it; nothing is stored", async () => {
    const context = await start("other", `export default {}`)
    const file = join(tempDir(), "manifest.json")
    writeFileSync(file, JSON.stringify({ name: "runner", version: "1.0.0", repository: "https://example.com/p", author: { name: "x" }, repoType: "default", plugin: runner }))
    const result = await context.handler.installFromManifestLink(file)
    expect(result.success).toBe(false)
    expect(result.message).toMatch(/import of "node:child_process" is refused/)
    expect(result.message).toMatch(/grantModules: \{ "<plugin name>": \["node:child_process"\] \}/)
    expect(context.handler.getAll().map((plugin) => plugin.name)).toEqual(["bystander", "other"])
    await context.survives()
  })

  it("granted to the plugin by name, the same install works and the plugin runs a child process", async () => {
    const context = await start("other", `export default {}`, { grantModules: { runner: ["node:child_process"] } })
    const manifest = (name: string) => {
      const file = join(tempDir(), `${name}.json`)
      writeFileSync(file, JSON.stringify({ name, version: "1.0.0", repository: "https://example.com/p", author: { name: "x" }, repoType: "default", plugin: runner }))
      return file
    }
    const ungranted = await context.handler.installFromManifestLink(manifest("other-runner"))
    expect([ungranted.success, ungranted.message]).toEqual([false, expect.stringMatching(/import of "node:child_process" is refused/)])
    const result = await context.handler.installFromManifestLink(manifest("runner"))
    expect(result).toMatchObject({ success: true, id: 3 })
    await context.handler.loadPlugin(3)
    expect(await context.call(3, "/run")).toBe("ran")
    await context.survives()
  })

  it.each(["node:child_process", "child_process", "node:worker_threads", "node:module", "node:cluster", "node:vm", "node:v8", "node:inspector", "node:repl", "node:test"])(
    "savePlugin stores %s, loadPlugin refuses it naming the module",
    async (specifier) => {
      const code = `import * as m from "${specifier}"\nexport default { config: { apiRoutes: { "/x": { actions: ["x"] } }, actions: { x: () => typeof m } } }`
      const context = await start("importer", code, {}, { load: false })
      const error = await context.handler.loadPlugin(2).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      )
      expect(error?.message).toMatch(new RegExp(`Could not load plugin "importer" \\(id 2\\): import of "node:${specifier.replace("node:", "")}" is refused`))
      await context.survives()
    },
  )
})

describe("the refusal holds whatever way the plugin imports", () => {
  const sneaky = `export default {
  config: {
    apiRoutes: {
      "/computed": { actions: ["computed"] }, "/template": { actions: ["template"] }, "/function": { actions: ["fn"] },
      "/eval": { actions: ["evaluate"] }, "/async-function": { actions: ["asyncFn"] }, "/create-require": { actions: ["createRequire"] },
      "/builtin-module": { actions: ["builtinModule"] }, "/file": { actions: ["file"] }, "/scope": { actions: ["scope"] }, "/allowed": { actions: ["allowed"] },
    },
    actions: {
      computed: async () => typeof (await import("node:" + "child_process")).spawn,
      template: async () => typeof (await import(\`node:\${"worker_threads"}\`)).Worker,
      fn: async () => typeof (await new Function("return import('node:child_process')")()).spawn,
      evaluate: async () => typeof (await eval("import('node:child_process')")).spawn,
      asyncFn: async () => typeof (await new (Object.getPrototypeOf(async () => {}).constructor)("return await import('node:module')")()).createRequire,
      createRequire: async () => { const mod = "node:module"; const { createRequire } = await import(mod); return typeof createRequire(import.meta.url)("libsql") },
      builtinModule: () => typeof process.getBuiltinModule("module").createRequire,
      file: async () => Object.keys(await import("file:///" + "etc/hostname")),
      scope: () => [typeof require, typeof module, typeof __dockstatCreateRequire, typeof __filename].join(),
      allowed: async () => {
        const path = await import("node:" + "path")
        const sdk = await import(["@dockstat", "plugin-handler"].join("/"))
        return [typeof path.join, typeof sdk.reply, Function("return this")() === globalThis, eval("1 + 1")]
      },
    },
  },
}`

  it.each([
    ["/computed", /import of "node:child_process" is refused/],
    ["/template", /import of "node:worker_threads" is refused/],
    ["/function", /new Function\(\) of code that mentions "import" is refused/],
    ["/eval", /eval of code that mentions "import" is refused/],
    ["/async-function", /new AsyncFunction\(\) of code that mentions "import" is refused/],
    ["/create-require", /import of "node:module" is refused/],
    ["/builtin-module", /import of "node:module" is refused/],
    ["/file", /import of "file:\/\/\/etc\/hostname" is not allowed/],
  ])("%s is refused inside the plugin", async (path, message) => {
    const context = await start("sneaky", sneaky)
    const error = await context.failure(path)
    expect([error.status, error.plugin]).toEqual([500, "sneaky"])
    expect(error.message).toMatch(message)
    await context.survives()
  })

  it("plugin code sees no require, and allowed computed imports and plain code generation still work", async () => {
    const context = await start("sneaky", sneaky)
    expect(await context.call(2, "/scope")).toBe("undefined,undefined,undefined,undefined")
    expect(await context.call(2, "/allowed")).toEqual(["function", "function", true, 2])
    await context.survives()
  })

  it("a granted module is reachable through a computed import too", async () => {
    const context = await start("sneaky", sneaky, { grantModules: { sneaky: ["node:child_process"] } })
    expect(await context.call(2, "/computed")).toBe("function")
    expect((await context.failure("/template")).message).toMatch(/import of "node:worker_threads" is refused/)
    await context.survives()
  })
})
