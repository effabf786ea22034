/**
 * DockStat's column helpers and raw column objects, through the same drizzle-kit migrations as every
 * plugin table: the DDL they produce, the defaults and CHECKs SQLite enforces on insert, the values
 * that come back, and a table moving from raw objects to helpers with its rows kept.
 */
import { describe, expect, it } from "vitest"
import { column, isPluginError, sql } from "@dockstat/plugin-schema"

import type { TableConfig } from "@dockstat/plugin-schema"

import { DB } from "./db.ts"
import { ensurePluginTable } from "./plugin-table.ts"
import { createPluginTableApi } from "./table-api.ts"

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function tableOf(config: TableConfig, db = new DB(":memory:")) {
  const result = await ensurePluginTable(db, "columns-plugin", config)
  return { db, result, table: createPluginTableApi(db.client, config), ddl: result.statements.join("\n") }
}

async function refusal(config: TableConfig): Promise<string> {
  const db = new DB(":memory:")
  const error = await ensurePluginTable(db, "columns-plugin", config).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(isPluginError(error), JSON.stringify(config)).toBe(true)
  expect(db.tableExists(config.name)).toBe(false)
  return (error as Error).message
}

describe("DockStat's column helpers", () => {
  const helpers: TableConfig = {
    name: "helpers",
    columns: {
      id: column.id(),
      n: column.numeric({ precision: 10, scale: 2 }),
      small: column.integer({ size: "SMALLINT" }),
      ratio: column.real({ variant: "DOUBLE" }),
      code: column.varchar(8, { unique: true }),
      flag: column.char(1, { default: "y" }),
      at: column.datetime(),
      clock: column.time(),
      stamp: column.timestamp(),
      stampText: column.timestamp({ asText: true }),
      key: column.uuid({ generateDefault: true }),
      state: column.enum(["up", "down"], { default: "up" }),
      created: column.createdAt(),
      createdText: column.createdAt({ asText: true }),
      updated: column.updatedAt(),
      parent: column.foreignKey("helpers", "id", { onDelete: "CASCADE" }),
      source: column.module(),
      day: column.text({ default: sql.currentDate() }),
      checked: column.integer({ check: "{{COLUMN}} BETWEEN 0 AND 10" }),
    },
  }

  it("declare the types, defaults, CHECKs and foreign keys drizzle-kit writes", async () => {
    const { ddl, result } = await tableOf(helpers)
    expect(result.action).toBe("created")
    for (const line of [
      "`n` NUMERIC(10, 2)",
      "`small` SMALLINT",
      "`ratio` DOUBLE",
      "`code` varchar(8)",
      "`flag` char(1) DEFAULT 'y'",
      "`at` DATETIME",
      "`clock` TIME",
      "`stamp` integer",
      "`stampText` text",
      "`state` text DEFAULT 'up' NOT NULL",
      "`created` integer DEFAULT (unixepoch()) NOT NULL",
      "`createdText` DATETIME DEFAULT (datetime('now')) NOT NULL",
      "`updated` integer DEFAULT (unixepoch())",
      "`day` text DEFAULT (date('now'))",
      "FOREIGN KEY (`parent`) REFERENCES `helpers`(`id`) ON UPDATE no action ON DELETE cascade",
      `CONSTRAINT "helpers_state_check" CHECK("state" IN ('up', 'down'))`,
      `CONSTRAINT "helpers_checked_check" CHECK(("checked" BETWEEN 0 AND 10))`,
    ]) {
      expect(ddl).toContain(line)
    }
    expect(ddl).toMatch(/`key` text DEFAULT \(lower\(hex\(randomblob\(4\)\)\)/)
    // The first test of the file imports drizzle-kit (~170 ms quiet, much more on a loaded machine).
  }, 120_000)

  it("fill in their defaults on insert, and values come back as stored", async () => {
    const { table } = await tableOf(helpers)
    const before = Math.floor(Date.now() / 1000)
    const row = table.insertAndGet({ code: "A1", at: new Date("2026-03-04T05:06:07.000Z"), clock: "12:30:00", stamp: new Date("2026-01-01T00:00:10Z"), n: 12.5, source: "export default 1" })
    expect(row).toMatchObject({
      id: 1,
      n: 12.5,
      code: "A1",
      flag: "y",
      at: "2026-03-04T05:06:07.000Z",
      clock: "12:30:00",
      stamp: Date.UTC(2026, 0, 1, 0, 0, 10) / 1000,
      state: "up",
      parent: null,
      source: "export default 1",
    })
    expect(row?.key).toMatch(UUID_V4)
    expect(row?.created).toBeGreaterThanOrEqual(before)
    expect(row?.updated).toBeGreaterThanOrEqual(before)
    expect(row?.createdText).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(row?.day).toMatch(/^\d{4}-\d\d-\d\d$/)
    const other = table.insertAndGet({ code: "B2", state: "down", parent: 1 })
    expect(other?.key).toMatch(UUID_V4)
    expect(other?.key).not.toBe(row?.key)
    expect(other?.state).toBe("down")
  })

  it("have SQLite enforce enum values, checks, NOT NULL, unique and the foreign key", async () => {
    const { table } = await tableOf(helpers)
    table.insert({ code: "A1" })
    const refused = (row: Record<string, unknown>) => {
      let error: unknown
      try {
        table.insert(row)
      } catch (caught) {
        error = caught
      }
      expect(isPluginError(error), JSON.stringify(row)).toBe(true)
      return error as Error & { status: number }
    }
    expect(refused({ code: "B", state: "sideways" }).message).toMatch(/breaks a check/)
    expect(refused({ code: "B", state: null }).message).toMatch(/"state" must have a value/)
    expect(refused({ code: "B", checked: 11 }).message).toMatch(/breaks a check/)
    expect(refused({ code: "A1" }).status).toBe(409)
    expect(refused({ code: "B", parent: 99 }).message).toMatch(/FOREIGN KEY/)
    expect(table.count()).toBe(1)
    table.insert({ code: "C", parent: 1 })
    expect(table.where({ id: 1 }).delete()).toEqual({ changes: 1 })
    expect(table.count()).toBe(0)
  })

  it("refuse a foreign key to another table, naming it", async () => {
    const message = await refusal({ name: "mine", columns: { id: column.id(), owner: column.foreignKey("plugins") } })
    expect(message).toMatch(/foreignKey may reference only this plugin's own table "mine", not "plugins"/)
    expect(await refusal({ name: "mine", columns: { id: column.id(), peer: column.foreignKey("other_plugin_rows", "id") } })).toMatch(/not "other_plugin_rows"/)
    expect(await refusal({ name: "mine", columns: { id: column.id(), self: column.foreignKey("mine", "label") } })).toMatch(/references column "label", which the table does not declare/)
  })

  it("refuse SQL default expressions and checks that reach beyond literals and safe functions", async () => {
    const cases: [string, TableConfig["columns"][string], RegExp][] = [
      ["subquery", column.text({ default: sql.raw("(SELECT code FROM plugins LIMIT 1)") }), /may not use SELECT|may not use plugins/],
      ["another column", column.text({ default: sql.raw("upper(name)") }), /may not use name/],
      ["load_extension", column.text({ default: sql.raw("load_extension('/tmp/x.so')") }), /may not call load_extension\(\)/],
      ["statement", column.text({ default: sql.raw("1; DROP TABLE plugins") }), /one expression only \(no ";"\)/],
      ["comment", column.text({ default: sql.raw("1 -- and more") }), /may not contain comments/],
      ["unbalanced", column.text({ default: sql.raw("1) + (2") }), /closes a parenthesis it did not open/],
      ["zeroblob", column.blob({ default: sql.raw("zeroblob(1000000000)") } as never), /may not call zeroblob\(\)/],
      ["huge randomblob", column.text({ default: sql.raw("hex(randomblob(100000000))") }), /randomblob\(\) takes a number literal up to 1024/],
      ["parameter", column.text({ default: sql.raw("?") }), /may not use parameters/],
      ["quoted function", column.text({ default: sql.raw('"load_extension"(1)') }), /quoted name/],
      ["pragma function", column.text({ default: sql.raw("pragma_table_info('plugins')") }), /may not call pragma_table_info\(\)/],
      ["check on another table", column.integer({ check: "{{COLUMN}} IN (SELECT id FROM plugins)" }), /may not use SELECT/],
      ["check calling random", column.integer({ check: "sqlite_version() > '0'" }), /may not call sqlite_version\(\)/],
    ]
    for (const [what, descriptor, expected] of cases) {
      expect(await refusal({ name: "guarded", columns: { id: column.id(), name: column.text(), value: descriptor } }), what).toMatch(expected)
    }
  })

  it("accept the sql.* helpers and literal expressions", async () => {
    const { table } = await tableOf({
      name: "sqldefaults",
      columns: {
        id: column.id(),
        now: column.text({ default: sql.now() }),
        stamp: column.text({ default: sql.currentTimestamp() }),
        time: column.text({ default: sql.currentTime() }),
        unix: column.integer({ default: sql.unixTimestamp() }),
        later: column.text({ default: sql.raw("datetime('now', '+1 day')") }),
        math: column.integer({ default: sql.raw("(2 + 3) * 4") }),
      },
    })
    const row = table.insertAndGet({})
    expect(row).toMatchObject({ math: 20 })
    expect(row?.now).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(row?.stamp).toBe(row?.now)
    expect(row?.time).toMatch(/^\d\d:\d\d:\d\d$/)
    expect(Math.abs((row?.unix as number) - Date.now() / 1000)).toBeLessThan(600)
    expect(Date.parse(`${row?.later}Z`) - Date.parse(`${row?.now}Z`)).toBe(86_400_000)
  })

  it("refuse options that do not fit the kind, and an enum default outside its values", async () => {
    expect(await refusal({ name: "bad", columns: { a: column.enum(["x", "y"], { default: "z" as never }) } })).toMatch(/"z" is not one of the enum values/)
    expect(await refusal({ name: "bad", columns: { a: { kind: "text", size: "BIGINT" } } })).toMatch(/size is for integer columns/)
    expect(await refusal({ name: "bad", columns: { a: { kind: "varchar" } } })).toMatch(/varchar\(\) needs a length/)
    expect(await refusal({ name: "bad", columns: { a: column.id(), b: column.text({ primaryKey: true }) } })).toMatch(/only one primary key column/)
    expect(await refusal({ name: "bad", columns: { _rowid_: column.integer() } })).toMatch(/reserved by SQLite/)
  })
})

describe("raw column objects", () => {
  const raw: TableConfig = {
    name: "rawcols",
    columns: {
      id: { type: "INTEGER", primaryKey: true, autoincrement: true },
      name: { type: "TEXT", notNull: true, unique: true },
      score: { type: "REAL", default: 1.5 },
      active: { type: "BOOLEAN", default: true },
      data: { type: "JSON" },
      tags: { type: "TEXT" },
      size: { type: "BIGINT" },
      label: { type: "VARCHAR(20)" },
      seen: { type: "TIMESTAMP", default: { _type: "expression", expression: "unixepoch()" } },
      created: { type: "DATETIME", default: sql.now() },
      blob: { type: "BLOB" },
      price: { type: "DECIMAL", precision: 8, scale: 2 },
    },
    parser: { JSON: ["tags"] },
  }

  it("become the descriptors they stand for: an id, JSON and BOOLEAN converted, SQL defaults", async () => {
    const { ddl, table } = await tableOf(raw)
    expect(ddl).toContain("`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL")
    expect(ddl).toContain("`size` BIGINT")
    expect(ddl).toContain("`label` varchar(20)")
    expect(ddl).toContain("`price` DECIMAL(8, 2)")
    expect(ddl).toContain("`seen` integer DEFAULT (unixepoch())")
    const row = table.insertAndGet({ name: "a", data: { nested: [1, true] }, tags: ["x", "y"], active: false, blob: new Uint8Array([1, 2]) })
    expect(row).toMatchObject({ id: 1, name: "a", score: 1.5, active: false, data: { nested: [1, true] }, tags: ["x", "y"] })
    expect(row?.seen).toBeGreaterThan(1_700_000_000)
    expect(row?.created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(table.insertAndGet({ name: "b" })).toMatchObject({ active: true, data: null })
  })

  it("name an unknown type or key", async () => {
    expect(await refusal({ name: "bad", columns: { a: { type: "MONEY" } } })).toMatch(/columns\.a: unknown column type "MONEY"/)
    expect(await refusal({ name: "bad", columns: { a: { type: "TEXT", generated: "x" } as never } })).toMatch(/columns\.a: unknown key "generated"/)
    expect(await refusal({ name: "bad", columns: { a: { type: "TEXT", autoincrement: true } } })).toMatch(/autoincrement needs an INTEGER primaryKey/)
  })

  it("migrate to the column helpers with every row kept", async () => {
    const db = new DB(":memory:")
    const before = await tableOf(raw, db)
    before.table.insert([{ name: "a", tags: ["t"], data: { v: 1 } }, { name: "b", active: false }])
    const helpers: TableConfig = {
      name: "rawcols",
      columns: {
        id: column.id(),
        name: column.text({ notNull: true, unique: true }),
        score: column.real({ default: 1.5 }),
        active: column.boolean({ default: true }),
        data: column.json(),
        tags: column.json(),
        size: column.integer({ size: "BIGINT" }),
        label: column.varchar(20),
        seen: column.timestamp({ default: sql.unixTimestamp() }),
        created: column.datetime({ default: sql.now() }),
        blob: column.blob(),
        price: column.numeric({ precision: 8, scale: 2, variant: "DECIMAL" }),
        state: column.enum(["new", "old"], { default: "old" }),
      },
    }
    const after = await tableOf(helpers, db)
    expect(after.result.action).toBe("migrated")
    expect(after.table.select(["name", "tags", "data", "active", "state"]).orderBy("id").all()).toEqual([
      { name: "a", tags: ["t"], data: { v: 1 }, active: true, state: "old" },
      { name: "b", tags: null, data: null, active: false, state: "old" },
    ])
    // Unchanged descriptors next time: nothing to do, written as helpers or as raw objects.
    expect((await ensurePluginTable(db, "columns-plugin", helpers)).action).toBe("unchanged")
  })

  it("new columns with SQL defaults, CHECKs and references are added to a table that has rows", async () => {
    const db = new DB(":memory:")
    const base: TableConfig = { name: "grow", columns: { id: column.id(), label: column.text() } }
    ;(await tableOf(base, db)).table.insert([{ label: "a" }, { label: "b" }])
    const grown = await tableOf(
      {
        ...base,
        columns: {
          ...base.columns,
          created: column.createdAt(),
          key: column.uuid({ generateDefault: true, notNull: true }),
          state: column.enum(["new", "old"], { default: "old" }),
          parent: column.foreignKey("grow"),
          small: column.integer({ check: "{{COLUMN}} < 10", default: 1 }),
        },
      },
      db,
    )
    const rows = grown.table.select().orderBy("id").all()
    expect(rows.map((row) => [row.label, row.state, row.small, row.parent])).toEqual([
      ["a", "old", 1, null],
      ["b", "old", 1, null],
    ])
    for (const row of rows) {
      expect(row.created).toBeGreaterThan(1_700_000_000)
      expect(row.key).toMatch(UUID_V4)
    }
    expect(() => grown.table.insert({ label: "c", small: 10 })).toThrow(/breaks a check/)
  })

  it("a table with a self-referencing foreign key can be rebuilt with its rows", async () => {
    const db = new DB(":memory:")
    const tree: TableConfig = { name: "tree", columns: { id: column.id(), parent: column.foreignKey("tree", "id", { onDelete: "CASCADE" }), label: column.text() } }
    const first = await tableOf(tree, db)
    first.table.insert({ label: "root" })
    first.table.insert({ label: "leaf", parent: 1 })
    const next = await tableOf({ ...tree, columns: { ...tree.columns, label: column.text({ notNull: true, default: "x" }) } }, db)
    expect(next.result.statements.join("\n")).toContain("__new_tree")
    expect(next.table.select(["label", "parent"]).orderBy("id").all()).toEqual([
      { label: "root", parent: null },
      { label: "leaf", parent: 1 },
    ])
    expect(next.table.where({ label: "root" }).delete()).toEqual({ changes: 1 })
    expect(next.table.count()).toBe(0)
  })
})
