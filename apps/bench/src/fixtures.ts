import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import PluginHandler, { DB } from "@dockstat/plugin-handler"

import type { DBPluginSchema, PluginHandlerOptions } from "@dockstat/plugin-handler"

import { runChild } from "./child.ts"

/** What every plugin route and the bare baseline route answer. */
export const HELLO = { ok: true, message: "hello" } as const

/** The route every bench plugin serves (GET), returning HELLO. */
export const HELLO_PATH = "/hello"

/** The route of plugins seeded with `selectRoute` (GET, `?id=<n>`): one table select. */
export const ROW_PATH = "/row"

/** The event the event benchmarks emit, and its payload. */
export const EVENT = "onContainerStart" as const
export const EVENT_PAYLOAD = { container: { id: "0123456789ab", name: "bench", image: "busybox:latest", labels: {}, state: "running" } }

export interface PluginCodeOptions {
  name: string
  /** The plugin's table (id, label, n); null for none. Default: `<name>` with `-` as `_`. */
  table?: string | null
  /** Its onContainerStart hook: a no-op, or one that sleeps (not blocking the thread). Default none. */
  hook?: "fast" | { sleepMs: number } | null
  /** Also serve `GET /row?id=<n>`, answering `table.select().where({ id }).all()`. Default false. */
  selectRoute?: boolean
}

export const tableNameOf = (plugin: string) => plugin.replaceAll("-", "_")

/** A plugin module as users write it: SDK import, a table, one GET route with one action, maybe a hook. */
export function pluginCode(options: PluginCodeOptions): string {
  const table = options.table === undefined ? tableNameOf(options.name) : options.table
  const hook =
    options.hook === "fast"
      ? "onContainerStart: ({ container }) => { seen = container.id },"
      : options.hook
        ? `onContainerStart: () => new Promise((resolve) => setTimeout(resolve, ${options.hook.sleepMs})),`
        : ""
  const rowRoute = options.selectRoute ? `, ${JSON.stringify(ROW_PATH)}: { method: "GET", actions: ["row"] }` : ""
  const rowAction = options.selectRoute ? ", row: ({ table, query }) => table.select().where({ id: Number(query.id) }).all()" : ""
  return `import { column } from "@dockstat/plugin-handler"
let seen = null
export default {
  name: ${JSON.stringify(options.name)},
  config: {
    ${table === null ? "" : `table: { name: ${JSON.stringify(table)}, columns: { id: column.id(), label: column.text(), n: column.integer() } },`}
    apiRoutes: { ${JSON.stringify(HELLO_PATH)}: { method: "GET", actions: ["hello"] }${rowRoute} },
    actions: { hello: () => (${JSON.stringify(HELLO)})${rowAction} },
  },
  events: { ${hook} },
}
`
}

/** The seed's `savePlugin` input around some code. */
export function pluginInput(name: string, code: string): DBPluginSchema {
  return {
    name,
    version: "1.0.0",
    repository: "https://github.com/dockstat/bench",
    manifest: "https://github.com/dockstat/bench/manifest.json",
    author: { name: "bench", email: "bench@example.com" },
    tags: ["bench"],
    repoType: "github",
    plugin: code,
  }
}

/** A temp dir removed when this process exits (also on a crash of the benchmark itself). */
export function tempDir(prefix = "dockstat-bench-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function createHandler(db: DB, options: PluginHandlerOptions = {}): PluginHandler {
  return new PluginHandler(db, ["Bench"], { logLevel: "silent", runtime: "inline", ...options })
}

export interface SeedOptions extends Omit<PluginCodeOptions, "name"> {
  /** Plugin names are `${prefix}-${index}`. */
  prefix: string
  count: number
  /** Load them once (inline), which creates their tables, so a later open is a warm start. */
  createTables?: boolean
}

/** Saves `count` plugins into the DB and returns their ids; with `createTables`, loads them once inline. */
export async function seedPlugins(db: DB, options: SeedOptions): Promise<number[]> {
  const handler = createHandler(db)
  const ids: number[] = []
  for (let index = 0; index < options.count; index++) {
    const name = `${options.prefix}-${index}`
    const saved = handler.savePlugin(pluginInput(name, pluginCode({ ...options, name })))
    if (!saved.success) throw new Error(`could not seed ${name}: ${saved.message}`)
    ids.push(saved.id)
  }
  if (options.createTables) {
    const loaded = await handler.loadPlugins(ids)
    if (loaded.errors.length > 0) throw new Error(`seeded plugins failed to load: ${loaded.errors[0]?.error}`)
    await handler.close()
  }
  return ids
}

/** Loads every plugin and throws when one fails: a benchmark of a half-loaded set measures nothing. */
export async function loadAllOrThrow(handler: PluginHandler): Promise<number[]> {
  const result = await handler.loadAllPlugins()
  if (result.errors.length > 0) throw new Error(`${result.errors.length} plugins failed to load, first: ${result.errors[0]?.error}`)
  return result.successes
}

/** Set by main.ts for the whole run: seeded databases are made once and copied. */
const CACHE_ENV = "DOCKSTAT_BENCH_CACHE"

export interface ColdLoad {
  /** `loadAllPlugins()` of the freshly stored plugins, creating every table. */
  ms: number
  plugins: number
  drizzleKitLoads: number
}

/**
 * A fresh copy of a DB holding `count` plugins named `bench-load-<i>`, each with its table created (so
 * opening it is a warm start), and the cold load that made it. Made once per run (in a child process,
 * so nothing of it stays in this one) and copied for every caller.
 */
export async function seededDb(count: number): Promise<{ path: string; cold: ColdLoad }> {
  let cache = process.env[CACHE_ENV]
  if (cache === undefined) {
    cache = tempDir("dockstat-bench-cache-")
    process.env[CACHE_ENV] = cache
  }
  const template = join(cache, `plugins-${count}.db`)
  const coldFile = `${template}.json`
  if (!existsSync(coldFile)) {
    const cold = await runChild<ColdLoad>("load-all-probe.ts", { args: ["seed", template, String(count)], timeoutMs: 180_000 })
    writeFileSync(coldFile, JSON.stringify(cold))
  }
  const path = join(tempDir(), `plugins-${count}.db`)
  copyFileSync(template, path)
  if (existsSync(`${template}-wal`)) copyFileSync(`${template}-wal`, `${path}-wal`)
  // The plugins' digests are keyed with the host key beside the database (`<db>.key`): the copy needs it.
  if (existsSync(`${template}.key`)) copyFileSync(`${template}.key`, `${path}.key`)
  return { path, cold: JSON.parse(readFileSync(coldFile, "utf8")) as ColdLoad }
}

/**
 * The HTTP benchmarks' handler: one plugin serving HELLO_PATH in each runtime (inline, worker, sandbox),
 * each with a table, loaded and checked to run where asked. Returns their ids by runtime.
 */
export async function httpTargets(): Promise<{ db: DB; handler: PluginHandler; ids: Record<"inline" | "worker" | "sandbox", number> }> {
  const db = new DB(join(tempDir(), "http.db"))
  const handler = createHandler(db, { runtime: "inline", pluginRuntimes: { "bench-http-worker": "worker", "bench-http-sandbox": "sandbox" } })
  const ids = { inline: 0, worker: 0, sandbox: 0 }
  for (const runtime of ["inline", "worker", "sandbox"] as const) {
    const name = `bench-http-${runtime}`
    const saved = handler.savePlugin(pluginInput(name, pluginCode({ name })))
    if (!saved.success) throw new Error(saved.message)
    ids[runtime] = saved.id
  }
  await loadAllOrThrow(handler)
  const runtimes = handler.getStatus().loaded_plugins.map((plugin) => `${plugin.name}:${plugin.runtime}`)
  const expected = ["bench-http-inline:inline", "bench-http-worker:worker", "bench-http-sandbox:sandbox"]
  if (expected.some((entry) => !runtimes.includes(entry))) throw new Error(`unexpected runtimes: ${runtimes.join(", ")}`)
  return { db, handler, ids }
}

export { DB, PluginHandler }
