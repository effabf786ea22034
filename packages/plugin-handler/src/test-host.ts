import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomUUID } from "node:crypto"
import { createFetchHandler } from "@dockstat/plugin-router"
import { DB } from "@dockstat/plugin-store"

import type { HookOutcome } from "@dockstat/plugin-events"
import type { HookName, PermissionsInput, PluginInstance, RuntimeKind, TableApi } from "@dockstat/plugin-schema"

import { bundlePlugin } from "./bundle-plugin.ts"
import { PluginHandler } from "./plugin-handler.ts"
import type { PluginHandlerOptions } from "./plugin-handler.ts"

export interface TestHostOptions {
  /**
   * The plugin definition itself (what `definePlugin` returns, as the test imported it): it runs in the
   * inline runtime, the only one that can be handed an object.
   */
  plugin?: object
  /** The plugin's code, an ES module as a manifest carries it: runs in `runtime` (default "sandbox"). */
  code?: string
  /**
   * The plugin's source file (TypeScript or JavaScript, a path or a `file:` URL), bundled as
   * `dockstat-plugins build` bundles it: runs in `runtime` (default "sandbox", where installs run).
   */
  entry?: string | URL
  /** Where the plugin runs; "inline" with `plugin`, default "sandbox" otherwise. */
  runtime?: RuntimeKind
  /** The name it is installed under: default the definition's `name`, else "test-plugin". */
  name?: string
  version?: string
  /** What its manifest declares: hosts `fetch` may reach, environment variables it gets. */
  permissions?: PermissionsInput
  /** Further handler options (timeouts, sandbox limits); `logLevel` defaults to "silent". */
  handler?: Omit<PluginHandlerOptions, "runtime">
}

export interface TestRequestInit {
  /** Default GET. */
  method?: string
  /** A string or bytes are sent as they are; anything else as JSON. */
  body?: unknown
  headers?: Record<string, string>
}

/** A route's answer: the HTTP status, the headers, and the body (JSON parsed, text as a string, none undefined). */
export interface TestResponse {
  status: number
  headers: Headers
  body: unknown
}

export interface TestHost {
  /** The real handler around a temporary database file. */
  readonly handler: PluginHandler
  /** The plugin's id in that database. */
  readonly id: number
  /** The loaded plugin (its routes, hooks, runtime). */
  readonly instance: PluginInstance
  /** The plugin's table, as its actions and hooks get it (null when it declares none): read rows with `table.all()`. */
  readonly table: TableApi | null
  /**
   * Calls one of the plugin's routes through the handler's `Request -> Response` handler, the one the
   * demo server mounts: `request("/notes", { method: "POST", body: { text: "hi" } })`.
   */
  request(path: string, init?: TestRequestInit): Promise<TestResponse>
  /** Emits a hook to the plugin; rejects with the hook's error when it failed or timed out. */
  emit(hook: HookName, payload?: Record<string, unknown>): Promise<HookOutcome>
  /** Unloads the plugin, closes the database and removes the temporary folder. */
  close(): Promise<void>
}

/** Plugin definitions handed to the inline runtime: the stored code is a stub that fetches one by key. */
const REGISTRY = Symbol.for("dockstat.test-host.plugins")

function registry(): Map<string, object> {
  const root = globalThis as unknown as Record<symbol, Map<string, object> | undefined>
  return (root[REGISTRY] ??= new Map())
}

/**
 * Runs a plugin in the real host for a test: a PluginHandler on a database file in a fresh temporary
 * folder, the plugin stored (with its digest) and loaded as an install would be, its table made by the
 * same migrations. Give exactly one of `plugin`, `code` or `entry`.
 *
 * @example
 * import { createTestHost } from "@dockstat/plugin-handler/testing"
 * import plugin from "./index.ts"
 *
 * const host = await createTestHost({ plugin })
 * const created = await host.request("/notes", { method: "POST", body: { text: "hi" } })
 * expect(created.status).toBe(201)
 * await host.emit("onContainerStart", { container: { id: "abc" } })
 * expect(host.table?.all()).toHaveLength(2)
 * await host.close()
 */
export async function createTestHost(options: TestHostOptions): Promise<TestHost> {
  const given = (["plugin", "code", "entry"] as const).filter((key) => options[key] !== undefined)
  if (given.length !== 1) {
    throw new TypeError(`createTestHost needs exactly one of plugin (a definition), code (a module's source) or entry (a source file); got ${given.length === 0 ? "none" : given.join(" and ")}`)
  }
  if (options.plugin !== undefined && (typeof options.plugin !== "object" || options.plugin === null)) {
    throw new TypeError(`createTestHost: plugin must be a plugin definition (an object), got ${options.plugin === null ? "null" : typeof options.plugin}`)
  }
  if (options.plugin !== undefined && options.runtime !== undefined && options.runtime !== "inline") {
    throw new TypeError(`createTestHost: a plugin definition runs in the inline runtime only; to test it in the ${options.runtime} runtime, give its source as entry (or its code)`)
  }

  const key = randomUUID()
  let code: string
  if (options.plugin !== undefined) {
    registry().set(key, options.plugin)
    code = `export default globalThis[Symbol.for(${JSON.stringify(REGISTRY.description)})].get(${JSON.stringify(key)})\n`
  } else if (options.code !== undefined) {
    code = options.code
  } else {
    code = (await bundlePlugin({ entry: options.entry as string | URL, sourcemap: false })).code
  }
  const runtime = options.runtime ?? (options.plugin !== undefined ? "inline" : "sandbox")
  const declaredName = (options.plugin as { name?: unknown } | undefined)?.name
  const name = options.name ?? (typeof declaredName === "string" ? declaredName : "test-plugin")

  const dir = mkdtempSync(join(tmpdir(), "dockstat-test-host-"))
  const db = new DB(join(dir, "plugins.db"))
  const handler = new PluginHandler(db, ["TestHost"], { logLevel: "silent", ...options.handler, runtime })
  const cleanup = async () => {
    await handler.close()
    db.close()
    registry().delete(key)
    rmSync(dir, { recursive: true, force: true })
  }

  let instance: PluginInstance
  try {
    const saved = handler.savePlugin({
      name,
      version: options.version ?? "0.0.0-test",
      repository: "local",
      manifest: "local",
      repoType: "local",
      author: {},
      plugin: code,
      ...(options.permissions === undefined ? {} : { permissions: options.permissions }),
    })
    if (!saved.success) throw new Error(saved.message)
    instance = await handler.loadPlugin(saved.id)
  } catch (error) {
    await cleanup()
    throw error
  }

  const serve = createFetchHandler(handler, { basePath: "/plugins" })
  let closing: Promise<void> | undefined
  return {
    handler,
    id: instance.id,
    instance,
    table: handler.getServerHooks(instance.id).table,
    async request(path, init = {}) {
      const response = await serve(toRequest(instance.id, path, init))
      return { status: response.status, headers: response.headers, body: await readBody(response) }
    },
    async emit(hook, payload = {}) {
      if (!instance.hooks.includes(hook)) {
        throw new Error(`Plugin "${name}" has no ${hook} hook (it has ${instance.hooks.length > 0 ? instance.hooks.join(", ") : "none"})`)
      }
      const report = await handler.emit(hook, payload)
      const outcome = report.results.find((result) => result.pluginId === instance.id)
      if (outcome === undefined) throw new Error(`Plugin "${name}" was not called for ${hook}`)
      if (outcome.status !== "ok") throw new Error(outcome.message)
      return outcome
    },
    close() {
      closing ??= cleanup()
      return closing
    },
  }
}

function toRequest(id: number, path: string, init: TestRequestInit): Request {
  const headers = new Headers(init.headers)
  let body: BodyInit | undefined
  if (init.body !== undefined) {
    if (typeof init.body === "string" || init.body instanceof Uint8Array) {
      body = init.body as BodyInit
    } else {
      body = JSON.stringify(init.body)
      if (!headers.has("content-type")) headers.set("content-type", "application/json")
    }
  }
  const route = path.startsWith("/") ? path : `/${path}`
  return new Request(`http://plugin.test/plugins/${id}/routes${route}`, { method: init.method ?? "GET", headers, ...(body === undefined ? {} : { body }) })
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text === "") return undefined
  const type = response.headers.get("content-type") ?? ""
  return /[/+]json\b/i.test(type) ? JSON.parse(text) : text
}
