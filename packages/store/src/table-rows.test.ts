import { column } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"

import { DB } from "./db.ts"
import { ensurePluginTable } from "./plugin-table.ts"
import { readTableRows } from "./table-rows.ts"

describe("readTableRows", () => {
  it("cuts long values to maxValueLength + 1, and takes only a whole number there (it is written into the SQL)", async () => {
    const db = new DB(":memory:")
    await ensurePluginTable(db, "notes-plugin", { name: "notes", columns: { id: column.id(), body: column.text() } })
    db.client.prepare("INSERT INTO notes (body) VALUES (?)").run(["abcdefgh"])
    expect(readTableRows(db, "notes", { offset: 0, limit: 10, maxValueLength: 3 }).rows).toEqual([{ id: 1, body: "abcd" }])
    for (const bad of [1.5, -1, Number.NaN, "3) OR 1=1 --" as unknown as number]) {
      expect(() => readTableRows(db, "notes", { offset: 0, limit: 10, maxValueLength: bad })).toThrow(/maxValueLength must be a whole number/)
    }
    db.close()
  })
})
