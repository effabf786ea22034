import { describe, expectTypeOf, it } from "vitest"

import { column, sql } from "./column.ts"

describe("column helper types keep the literal kind and the options", () => {
  it("keeps kinds and options as given", () => {
    expectTypeOf(column.text({ notNull: true })).toEqualTypeOf<{ kind: "text"; notNull: true }>()
    expectTypeOf(column.text()).toEqualTypeOf<{ kind: "text" }>()
    expectTypeOf(column.id()).toEqualTypeOf<{ kind: "id" }>()
    expectTypeOf(column.integer({ size: "BIGINT", default: 3 })).toEqualTypeOf<{ kind: "integer"; size: "BIGINT"; default: 3 }>()
    expectTypeOf(column.varchar(20, { unique: true })).toEqualTypeOf<{ kind: "varchar"; length: 20; unique: true }>()
    expectTypeOf(column.boolean({ default: false })).toEqualTypeOf<{ kind: "boolean"; default: false }>()
  })

  it("turns a sql.* default into defaultSql", () => {
    expectTypeOf(column.text({ default: sql.now() })).toEqualTypeOf<{ kind: "text"; defaultSql: string }>()
  })

  it("keeps an enum's values as a literal union, NOT NULL unless told otherwise", () => {
    const state = column.enum(["up", "down"])
    expectTypeOf(state).toEqualTypeOf<{ kind: "enum"; values: readonly ["up", "down"]; notNull: true }>()
    expectTypeOf<(typeof state)["values"][number]>().toEqualTypeOf<"up" | "down">()
    expectTypeOf(column.enum(["a"], { notNull: false }).notNull).toEqualTypeOf<false>()
  })

  it("carries a json column's value type as a phantom", () => {
    const meta = column.json<{ cpu: number }>()
    expectTypeOf(meta.kind).toEqualTypeOf<"json">()
    expectTypeOf(meta.__type).toEqualTypeOf<{ cpu: number } | undefined>()
    expectTypeOf(column.json({ notNull: true })).toEqualTypeOf<{ kind: "json"; __type?: unknown; notNull: true }>()
    // With an explicit value type TypeScript infers no options: they are accepted, not reflected in the type.
    expectTypeOf(column.json<string[]>({ notNull: true })).toEqualTypeOf<{ kind: "json"; __type?: string[] }>()
  })

  it("types createdAt, updatedAt, timestamp, uuid and foreignKey by their options", () => {
    expectTypeOf(column.createdAt()).toEqualTypeOf<{ kind: "timestamp"; notNull: true; defaultSql: string }>()
    expectTypeOf(column.createdAt({ asText: true })).toEqualTypeOf<{ kind: "datetime"; notNull: true; defaultSql: string }>()
    expectTypeOf(column.updatedAt()).toEqualTypeOf<{ kind: "timestamp"; defaultSql: string }>()
    expectTypeOf(column.timestamp({ asText: true })).toEqualTypeOf<{ kind: "timestamp"; asText: true }>()
    expectTypeOf(column.uuid({ generateDefault: true })).toEqualTypeOf<{ kind: "uuid"; defaultSql: string }>()
    expectTypeOf(column.uuid()).toEqualTypeOf<{ kind: "uuid" }>()
    expectTypeOf(column.foreignKey("items", "id", { onDelete: "CASCADE" }).kind).toEqualTypeOf<"integer">()
    expectTypeOf(column.foreignKey("items", "code", { type: "TEXT" }).kind).toEqualTypeOf<"text">()
  })
})
