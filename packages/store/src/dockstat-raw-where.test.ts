/**
 * whereExpr / whereRaw on a plugin's own table only. Two layers: the lexical check when the expression
 * is given (statement separators, comments, unlisted functions, joins, other tables in FROM), and SQLite's
 * authorizer on a scratch connection for every clause that reaches SQL. The second layer is tested here
 * on its own too, with clauses the first would have stopped.
 */
import { describe, expect, it } from "vitest"
import { column, isPluginError } from "@dockstat/plugin-schema"

import { DB } from "./db.ts"
import { ensurePluginTable } from "./plugin-table.ts"
import { createRawWhereGuard, withoutFunctions } from "./raw-where-guard.ts"
import { createTableApi } from "./table-api.ts"

async function setup() {
  const db = new DB(":memory:")
  const config = { name: "notes", columns: { id: column.id(), body: column.text(), n: column.integer() } }
  await ensurePluginTable(db, "notes-plugin", config)
  await ensurePluginTable(db, "other-plugin", { name: "secrets", columns: { id: column.id(), value: column.text() } })
  db.client.exec("INSERT INTO secrets (value) VALUES ('hunter2')")
  const table = createTableApi(db.client, config.name, config.columns)
  table.insert([{ body: "alpha", n: 1 }, { body: "beta", n: 2 }, { body: "gamma", n: 3 }])
  return { db, table }
}

function refusal(fn: () => unknown): string {
  let error: unknown
  try {
    fn()
  } catch (caught) {
    error = caught
  }
  expect(isPluginError(error)).toBe(true)
  return (error as Error).message
}

describe("whereExpr on the plugin's own table only", () => {
  it("runs expressions on its own columns, with listed functions and subqueries on its own table", async () => {
    const { table } = await setup()
    expect(table.whereExpr("upper(body) = ?", ["BETA"]).pluck("n")).toEqual([2])
    expect(table.whereExpr("n IN (SELECT n FROM notes WHERE n > ?)", [1]).count()).toBe(2)
    expect(table.whereExpr("body NOT LIKE ? AND coalesce(n, 0) < 3", ["g%"]).pluck("body")).toEqual(["alpha", "beta"])
    expect(table.whereExpr("coalesce(NULL, abs(-n), 0) = ?", [3]).pluck("body")).toEqual(["gamma"])
    expect(table.whereExpr("json_extract('{\"a\":2}', '$.a') = n").pluck("body")).toEqual(["beta"])
    expect(table.whereExpr("n = (SELECT max(n) FROM \"notes\")").pluck("body")).toEqual(["gamma"])
  })

  it("refuses other tables, the schema, pragmas, attach, writes and unlisted functions, leaving everything as it was", async () => {
    const { db, table } = await setup()
    const hostile: [string, RegExp][] = [
      ["id IN (SELECT id FROM plugins)", /may read only this plugin's table "notes", not plugins/],
      ["id IN (SELECT id FROM secrets)", /not secrets/],
      ["EXISTS (SELECT 1 FROM sqlite_master)", /not sqlite_master/],
      ["id IN (SELECT id FROM notes, secrets)", /no alias, join or second table/],
      ["id IN (SELECT a.id FROM notes a)", /no alias/],
      ["id IN (SELECT notes.id FROM notes JOIN secrets ON 1)", /no alias, join or second table \(found JOIN/],
      ["id IN (SELECT id FROM secrets JOIN notes ON 1)", /not secrets/],
      ["id IN (WITH s AS (SELECT 1) SELECT * FROM s)", /WITH is not allowed/],
      ["1); DROP TABLE plugins; --", /closes a parenthesis it did not open/],
      ["1 OR 1; DROP TABLE plugins", /no ";"/],
      ["1 /* hidden */", /comments/],
      ["load_extension('/tmp/evil.so') IS NULL", /may not call load_extension\(\)/],
      ["\"load_extension\"('x') IS NULL", /quoted name/],
      ["n IN (SELECT cid FROM pragma_table_info('plugins'))", /may not call pragma_table_info\(\)/],
      ["id IN (SELECT value FROM json_each('[1]'))", /may not call json_each\(\)/],
      ["sqlite_version() > '0'", /may not call sqlite_version\(\)/],
      ["length(zeroblob(1000000000)) > 0", /may not call zeroblob\(\)/],
      ["printf('%.*c', 1000000000, 'x') IS NULL", /may not call printf\(\)/],
      ["id IN (SELECT id FROM notes) AND (DELETE FROM notes) IS NULL", /may not use DELETE/],
      ["ATTACH DATABASE 'x' AS y", /may not use ATTACH/],
      ["body REGEXP 'x'", /may not use REGEXP/],
      ["n = :named", /use \? for parameters/],
    ]
    for (const [expression, expected] of hostile) {
      expect(refusal(() => table.whereExpr(expression).all()), expression).toMatch(expected)
      expect(refusal(() => table.whereExpr(expression).delete()), expression).toMatch(expected)
    }
    expect(table.count()).toBe(3)
    expect(db.query("SELECT value FROM secrets").all()).toEqual([{ value: "hunter2" }])
    expect(db.tableExists("plugins")).toBe(true)
  })

  it("refuses functions that grow a value nested in one another (29 hex() calls make half a gigabyte)", async () => {
    const { table } = await setup()
    const bomb = `${"hex(".repeat(29)}body${")".repeat(29)} = ?`
    expect(refusal(() => table.whereExpr(bomb, ["x"]).all())).toMatch(/may not nest hex\(\) in another/)
    expect(refusal(() => table.whereExpr("length(replace(replace(body, 'a', 'aaaa'), 'a', 'aaaa')) > ?", [1]).all())).toMatch(/may not nest replace\(\)/)
    // One level, and side by side, still work.
    expect(table.whereExpr("hex(body) = hex(?) OR replace(body, 'a', 'b') = ?", ["alpha", "blphb"]).pluck("n")).toEqual([1])
  })

  it("keeps a query's state out of plugin code's reach: no field to add SQL to, no connection", async () => {
    const { table } = await setup()
    const query = table.select().where({ n: 1 }) as unknown as Record<string, unknown>
    // With TypeScript-only private fields, `query.conditions.push({ sql: "(1) UNION SELECT value FROM secrets" })`
    // and `query.raw = false` reached the SQL unchecked, and `query.ctx.client` was the raw connection.
    expect(Object.keys(query)).toEqual([])
    for (const name of ["ctx", "conditions", "raw", "columns", "order", "regex"]) expect(query[name]).toBeUndefined()
    // Nor the helpers that take SQL text: `query.write("DELETE FROM plugins", [])` ran any statement.
    for (const name of ["write", "whereSql", "matching", "byRowid", "once", "rows", "sets"]) expect(query[name]).toBeUndefined()
    query.conditions = [{ column: null, sql: "(1) UNION SELECT value FROM secrets", params: [] }]
    query.raw = false
    expect((query as unknown as { all(): unknown[] }).all()).toEqual([{ id: 1, body: "alpha", n: 1 }])
  })

  it("has SQLite's authorizer refuse what reads beyond the table, whatever passes the lexical check", async () => {
    const { db } = await setup()
    const guard = createRawWhereGuard(db.client, "notes", (reason) => new Error(`refused: ${reason}`))
    guard.verify(" WHERE (n IN (SELECT n FROM notes))")
    const refusedBy = (clause: string) => {
      let error: unknown
      try {
        guard.verify(clause)
      } catch (caught) {
        error = caught
      }
      expect(error, clause).toBeInstanceOf(Error)
      return (error as Error).message
    }
    expect(refusedBy(" WHERE (id IN (SELECT id FROM plugins))")).toMatch(/refused: no such table: plugins/)
    expect(refusedBy(" WHERE (id IN (SELECT rootpage FROM sqlite_master))")).toMatch(/refused: .*(not authorized|prohibited)/)
    expect(refusedBy(' WHERE (body IN "sqlite_schema")')).toMatch(/refused: .*(not authorized|prohibited|columns)/)
    expect(refusedBy(" WHERE (n IN (SELECT cid FROM pragma_table_info('notes')))")).toMatch(/refused: .*(prohibited|not authorized)/)
    expect(refusedBy(" WHERE (id IN (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c))")).toMatch(/refused: .*not authorized/)
    expect(refusedBy(" WHERE (notes.id = plugins.id)")).toMatch(/refused: no such column/)
    // The real connection never got an authorizer: the host reads what it reads.
    expect(db.query("SELECT COUNT(*) AS n FROM sqlite_master").get()).toMatchObject({ n: expect.any(Number) })
    expect(db.query("SELECT value FROM secrets").get()).toEqual({ value: "hunter2" })
  })

  it("turns functions into lists for the authorizer's pass, keeping every name the clause reads", () => {
    expect(withoutFunctions(` WHERE (lower("body") LIKE ? ESCAPE '!') AND n NOT GLOB ?`)).toBe(`WHERE ( (0 IN ( "body" )) = ? AND '!' ) AND n = ?`)
    expect(withoutFunctions("x -> '$.a' = coalesce(y, CURRENT_TIMESTAMP)")).toBe("x || '$.a' = (0 IN ( y , NULL ))")
  })
})
