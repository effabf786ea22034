import { describe, expect, it } from "vitest"
import { column } from "@dockstat/plugin-schema"

import { DB } from "./db.ts"
import { dropPluginTables, ensurePluginTable, planPluginTable, tableOwner } from "./plugin-table.ts"
import { createTableApi } from "./table-api.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()
const v1 = { name: "notes", columns: { id: column.id(), text: column.text({ notNull: true }) } }
const v2 = { name: "notes", columns: { ...v1.columns, pinned: column.boolean({ default: false }), tags: column.json() } }

describe("plugin tables", () => {
  it("creates the table from descriptors with drizzle-kit's SQL", async () => {
    const db = new DB(":memory:")
    const result = await ensurePluginTable(db, "notes-plugin", v1)
    expect(result.action).toBe("created")
    expect(result.statements.join("\n")).toMatch(/CREATE TABLE `notes`/)
    expect(tableOwner(db, "notes")).toBe("notes-plugin")
  })

  it("does nothing on a re-open with unchanged descriptors, and keeps the rows", async () => {
    const path = tempDb()
    const first = new DB(path)
    await ensurePluginTable(first, "notes-plugin", v1)
    createTableApi(first.client, "notes", v1.columns).insert([{ text: "a" }, { text: "b" }])
    first.close()
    const second = new DB(path)
    const result = await ensurePluginTable(second, "notes-plugin", v1)
    expect(result).toEqual({ tableName: "notes", action: "unchanged", statements: [] })
    expect(createTableApi(second.client, "notes", v1.columns).count()).toBe(2)
    second.close()
  })

  it("adds columns with ALTER TABLE and keeps every row, new columns at their defaults", async () => {
    const db = new DB(":memory:")
    await ensurePluginTable(db, "notes-plugin", v1)
    createTableApi(db.client, "notes", v1.columns).insert([{ text: "a" }, { text: "b" }])
    const result = await ensurePluginTable(db, "notes-plugin", v2)
    expect(result.action).toBe("migrated")
    expect(result.statements.every((statement) => statement.startsWith("ALTER TABLE"))).toBe(true)
    const rows = createTableApi(db.client, "notes", v2.columns).select(["text", "pinned", "tags"]).all()
    expect(rows).toEqual([
      { text: "a", pinned: false, tags: null },
      { text: "b", pinned: false, tags: null },
    ])
  })

  it("refuses changes that lose data and names the columns", async () => {
    const db = new DB(":memory:")
    await ensurePluginTable(db, "notes-plugin", v2)
    const dropped = { name: "notes", columns: { id: column.id(), text: column.integer() } }
    await expect(ensurePluginTable(db, "notes-plugin", dropped)).rejects.toThrow(
      /changes column "text" from text to integer; drops column "pinned"; drops column "tags"/,
    )
  })

  it("drops and retypes columns when the plugin opts in, keeping the other columns' data", async () => {
    const db = new DB(":memory:")
    await ensurePluginTable(db, "notes-plugin", v2)
    createTableApi(db.client, "notes", v2.columns).insert({ text: "keep me", pinned: true, tags: ["x"] })
    const v3 = { name: "notes", columns: { id: column.id(), text: column.text({ notNull: true }), pinned: column.integer(), rank: column.real({ default: 1 }) } }
    const result = await ensurePluginTable(db, "notes-plugin", v3, { allowDataLoss: true })
    expect(result.action).toBe("migrated")
    expect(createTableApi(db.client, "notes", v3.columns).select(["text", "pinned", "rank"]).all()).toEqual([{ text: "keep me", pinned: 1, rank: 1 }])
    expect(db.query("SELECT name FROM pragma_table_info('notes') ORDER BY cid").all().map((row) => row.name)).toEqual(["id", "text", "pinned", "rank"])
  })

  it("refuses moving to another table name unless opted in, and then keeps the old table", async () => {
    const db = new DB(":memory:")
    await ensurePluginTable(db, "notes-plugin", v1)
    const moved = { name: "notes_v2", columns: v1.columns }
    await expect(ensurePluginTable(db, "notes-plugin", moved)).rejects.toThrow(/moves from table "notes" to "notes_v2"/)
    expect(db.tableExists("notes_v2")).toBe(false)
    const plan = await planPluginTable(db, "notes-plugin", moved, { allowDataLoss: true })
    expect([plan.action, plan.abandoned]).toEqual(["created", ["notes"]])
    db.transaction(plan.apply)
    expect([db.tableExists("notes"), db.tableExists("notes_v2")]).toEqual([true, true])
  })

  it("plans without writing anything until apply()", async () => {
    const db = new DB(":memory:")
    const plan = await planPluginTable(db, "notes-plugin", v1)
    expect(plan.statements.join()).toMatch(/CREATE TABLE/)
    expect([db.tableExists("notes"), tableOwner(db, "notes")]).toEqual([false, undefined])
    db.transaction(plan.apply)
    expect(tableOwner(db, "notes")).toBe("notes-plugin")
  })

  it("never gives a plugin another plugin's table", async () => {
    const db = new DB(":memory:")
    await ensurePluginTable(db, "owner", v1)
    await expect(ensurePluginTable(db, "intruder", v1)).rejects.toThrow(/Table "notes" belongs to plugin "owner"/)
  })

  it("refuses host tables and tables it did not create", async () => {
    const db = new DB(":memory:")
    await expect(ensurePluginTable(db, "p", { name: "plugins", columns: { id: column.id() } })).rejects.toThrow(/"plugins" is reserved for the host/)
    db.client.exec("CREATE TABLE stranger (x TEXT)")
    await expect(ensurePluginTable(db, "p", { name: "stranger", columns: { id: column.id() } })).rejects.toThrow(
      /already exists and is not a plugin table/,
    )
  })

  it("validates descriptors with a message naming the field", async () => {
    const db = new DB(":memory:")
    await expect(ensurePluginTable(db, "p", { name: "bad name", columns: { id: column.id() } })).rejects.toThrow(/name: table name must start/)
    await expect(ensurePluginTable(db, "p", { name: "t", columns: { a: { kind: "money" } as never } })).rejects.toThrow(/columns\.a\.kind/)
    expect(db.tableExists("t")).toBe(false)
  })

  it("drops a plugin's tables on request", async () => {
    const db = new DB(":memory:")
    await ensurePluginTable(db, "notes-plugin", v1)
    expect(dropPluginTables(db, "notes-plugin")).toEqual(["notes"])
    expect(db.tableExists("notes")).toBe(false)
    expect(tableOwner(db, "notes")).toBeUndefined()
  })
})

describe("plugin tables changed by another connection between plan and apply", () => {
  const v3 = { name: "notes", columns: { ...v1.columns, color: column.text() } }

  it("two connections creating the same new table: the second finds it made and changes nothing", async () => {
    const path = tempDb()
    const first = new DB(path)
    const second = new DB(path)
    try {
      const late = await planPluginTable(second, "notes-plugin", v1)
      expect(late.action).toBe("created")
      await ensurePluginTable(first, "notes-plugin", v1)
      createTableApi(first.client, "notes", v1.columns).insert({ text: "kept" })
      // Before: "table `notes` already exists", and the plugin failed to load in the second process.
      expect(() => second.transaction(late.apply)).not.toThrow()
      expect(second.query("SELECT text FROM notes").all()).toEqual([{ text: "kept" }])
    } finally {
      first.close()
      second.close()
    }
  })

  it("a plan overtaken by another migration is refused (CONFLICT, try again), not applied on top", async () => {
    const path = tempDb()
    const first = new DB(path)
    const second = new DB(path)
    try {
      await ensurePluginTable(first, "notes-plugin", v1)
      const stale = await planPluginTable(second, "notes-plugin", v2)
      await ensurePluginTable(first, "notes-plugin", v3, { allowDataLoss: true })
      expect(() => second.transaction(stale.apply)).toThrow(/was changed by another connection while this change was prepared; try again/)
      expect(second.query("SELECT name FROM pragma_table_info('notes') ORDER BY cid").all().map((row) => row.name)).toEqual(["id", "text", "color"])
      // The load path plans again from what the other connection left.
      expect(await ensurePluginTable(second, "notes-plugin", v3)).toMatchObject({ action: "unchanged" })
    } finally {
      first.close()
      second.close()
    }
  })
})
