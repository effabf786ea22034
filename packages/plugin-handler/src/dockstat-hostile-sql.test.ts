/**
 * Hostile plugins using DockStat's query builder and column helpers to reach beyond their own table:
 * raw where expressions reading the host's `plugins` table (the code of every plugin) or another plugin's
 * table, writes through subqueries, statement injection, extensions; SQL defaults and foreign keys aimed
 * at other tables; a whereRgx pattern that backtracks forever. In every runtime the attempt fails with a
 * clear error, and the host's and the bystander's data stay as they were.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, PluginError } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, runtimesOnThisHost, useTempDir, watchEventLoop } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const bystander = `
import { column } from "@dockstat/sqlite-wrapper"
export default {
  config: {
    table: { name: "bystander_secrets", columns: { id: column.id(), secret: column.text() } },
    apiRoutes: { "POST /keep": { actions: ["keep"] } },
    actions: { keep: ({ table, body }) => table.insert(body) },
  },
}`

const raider = `
import { column } from "@dockstat/sqlite-wrapper"
export default {
  config: {
    table: { name: "raider_rows", columns: { id: column.id(), label: column.text() } },
    apiRoutes: {
      "POST /expr": { actions: ["expr"] },
      "POST /expr-delete": { actions: ["exprDelete"] },
      "POST /regex": { actions: ["regex"] },
      "GET /ok": { actions: ["ok"] },
    },
    actions: {
      expr: ({ table, body }) => table.select(["*"]).whereExpr(body.expression, body.params ?? []).all(),
      exprDelete: ({ table, body }) => table.whereRaw(body.expression, body.params ?? []).delete(),
      regex: ({ table }) => {
        table.insert({ label: "a".repeat(40) + "!" })
        return table.whereRgx({ label: /^(a+)+$/ }).count()
      },
      ok: ({ table }) => table.count(),
    },
  },
}`

const post = (path: string, body: unknown) => new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

async function start(runtime: RuntimeKind) {
  const db = new DB(join(tempDir(), "app.db"))
  const handler = new PluginHandler(db, ["API"], { logLevel: "silent", runtime, timeoutMs: 5000 })
  handlers.push(handler)
  const keep = handler.savePlugin(pluginInput("bystander", bystander))
  if (!keep.success) throw new Error(keep.message)
  await handler.loadPlugin(keep.id)
  await handler.handleRoute(keep.id, "/keep", post("/keep", { secret: "hunter2" }))
  const saved = handler.savePlugin(pluginInput("raider", raider))
  if (!saved.success) throw new Error(saved.message)
  await handler.loadPlugin(saved.id)
  const failure = async (path: string, body: unknown): Promise<PluginError> => {
    const error = await handler.handleRoute(saved.id, path, post(path, body)).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error, JSON.stringify(body)).toBeInstanceOf(PluginError)
    return error as PluginError
  }
  const intact = () => {
    expect(db.query("SELECT secret FROM bystander_secrets").all()).toEqual([{ secret: "hunter2" }])
    expect(db.query("SELECT name FROM plugins ORDER BY id").all()).toEqual([{ name: "bystander" }, { name: "raider" }])
    expect(db.tableExists("raider_rows")).toBe(true)
  }
  return { handler, db, id: saved.id, failure, intact }
}

describe.each(runtimesOnThisHost<RuntimeKind>(["sandbox", "inline", "worker"]))("hostile SQL through DockStat's query builder: %s runtime", (runtime) => {
  it("whereExpr / whereRaw cannot read or write beyond the plugin's own table", async () => {
    const { failure, intact, handler, id } = await start(runtime)
    const attacks: [string, RegExp][] = [
      ["id IN (SELECT id FROM plugins)", /may read only this plugin's table "raider_rows", not plugins/],
      ["label IN (SELECT plugin FROM plugins)", /not plugins/],
      ["label IN (SELECT secret FROM bystander_secrets)", /not bystander_secrets/],
      ["EXISTS (SELECT 1 FROM sqlite_master WHERE sql LIKE '%secret%')", /not sqlite_master/],
      ["label IN plugins", /whereExpr\/whereRaw may read only this plugin's own table "raider_rows".*refused: no such table: plugins/],
      ["id IN (SELECT rowid FROM \"sqlite_schema\")", /not "sqlite_schema"/],
      ["1); DROP TABLE plugins; --", /closes a parenthesis/],
      ["1 = 1; DELETE FROM plugins", /no ";"|may not use DELETE/],
      ["(DELETE FROM bystander_secrets) IS NULL", /may not use DELETE/],
      ["id IN (SELECT id FROM raider_rows) OR (INSERT INTO plugins VALUES (1)) IS NULL", /may not use INSERT/],
      ["load_extension('./evil') IS NULL", /may not call load_extension\(\)/],
      ["id IN (SELECT cid FROM pragma_table_info('plugins'))", /may not call pragma_table_info\(\)/],
      ["ATTACH DATABASE ':memory:' AS spy", /may not use ATTACH/],
    ]
    for (const [expression, expected] of attacks) {
      const error = await failure("/expr", { expression })
      expect(error.message, expression).toMatch(expected)
      expect(error.message, expression).not.toMatch(/hunter2|export default/)
      expect((await failure("/expr-delete", { expression })).message, expression).toMatch(expected)
    }
    // What it may do still works.
    expect(await handler.handleRoute(id, "/expr", post("/expr", { expression: "length(label) > ?", params: [0] }))).toEqual([])
    intact()
  })

  it("SQL defaults, CHECKs and foreign keys cannot reach another table: the plugin does not load", async () => {
    const { handler, db, intact } = await start(runtime)
    const attempts: [string, string, RegExp][] = [
      ["default", `column.text({ default: sql.raw("(SELECT plugin FROM plugins LIMIT 1)") })`, /the default of column "x" may not use SELECT/],
      ["default", `column.text({ default: sql.raw("load_extension('./evil')") })`, /may not call load_extension\(\)/],
      ["check", `column.integer({ check: "{{COLUMN}} IN (SELECT id FROM plugins)" })`, /the check of column "x" may not use SELECT/],
      ["foreignKey", `column.foreignKey("plugins", "id", { onDelete: "CASCADE" })`, /foreignKey may reference only this plugin's own table "sneaky_rows", not "plugins"/],
      ["foreignKey", `column.foreignKey("bystander_secrets")`, /not "bystander_secrets"/],
      ["raw object", `{ type: "INTEGER", references: { table: "plugins", column: "id", onDelete: "CASCADE" } }`, /not "plugins"/],
    ]
    for (const [what, descriptor, expected] of attempts) {
      const code = `import { column, sql } from "@dockstat/sqlite-wrapper"
        export default { config: { table: { name: "sneaky_rows", columns: { id: column.id(), x: ${descriptor} } } } }`
      const saved = handler.savePlugin(pluginInput(`sneaky-${what.replace(" ", "-")}-${attempts.findIndex((item) => item[1] === descriptor)}`, code))
      expect(saved.success, what).toBe(true)
      if (!saved.success) continue
      await expect(handler.loadPlugin(saved.id), descriptor).rejects.toThrow(expected)
      expect(db.tableExists("sneaky_rows")).toBe(false)
      handler.deletePlugin(saved.id)
    }
    intact()
  })
})

describe("a whereRgx pattern that backtracks forever", () => {
  it("is interrupted inside the sandbox within its time slice; the host's thread comes back and the plugin serves on", async () => {
    const { failure, handler, id, intact } = await start("sandbox")
    const loop = watchEventLoop()
    const error = await failure("/regex", {})
    const worst = loop.stop()
    expect(error.status).toBe(504)
    // One slice (200 ms) plus a busy machine's scheduling; the pattern alone would take minutes.
    expect(worst).toBeLessThan(2000)
    expect(await handler.handleRoute(id, "/ok", new Request("http://localhost/ok"))).toBe(1)
    intact()
  })
})
