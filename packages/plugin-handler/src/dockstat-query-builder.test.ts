/**
 * DockStat's query builder (the `table` of @dockstat/sqlite-wrapper), as plugins written for DockStat use
 * it, on one data set, through a real plugin in every runtime. The plugin's `/run` route applies a chain
 * given as data (`[["whereOp", ["age", ">=", 30]], ["all", []]]`) to its table, so each case runs the same
 * chain inline, in a worker thread and in the sandbox; other routes are written the way DockStat's docs
 * write them.
 */
import { join } from "node:path"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import PluginHandler, { DB, PluginError } from "./index.ts"
import type { RuntimeKind } from "@dockstat/plugin-schema"
import { pluginInput, runtimesOnThisHost, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()

const people = [
  { name: "Ada", email: "ada@mail.test", age: 36, score: 91.5, active: true, role: "admin", meta: { team: "core" }, created_at: 1000 },
  { name: "Brook", email: "brook@post.example", age: 29, score: 77, active: true, role: "user", meta: { team: "web" }, created_at: 2000 },
  { name: "Cyd", email: "cyd@mail.test", age: 41, score: 64, active: false, role: "user", meta: null, created_at: 3000 },
  { name: "Dara", email: "dara@corp.example", age: 23, score: 88, active: true, role: "moderator", meta: { team: "ops" }, created_at: 4000 },
  { name: "Eli", email: "eli@mail.test", age: null, score: null, active: null, role: null, meta: null, created_at: null },
  { name: "Fay", email: "fay@corp.example", age: 52, score: 70, active: false, role: "user", meta: { team: "core" }, created_at: 5000 },
]

const plugin = `
import { column } from "@dockstat/sqlite-wrapper"

const people = ${JSON.stringify(people)}

/** { "$re": [source, flags] } in a chain becomes a RegExp here, in the plugin's own code. */
const revive = (value) => {
  if (Array.isArray(value)) return value.map(revive)
  if (value && typeof value === "object") {
    if (Array.isArray(value.$re)) return new RegExp(value.$re[0], value.$re[1])
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, revive(item)]))
  }
  return value
}

export default {
  name: "dockstat-qb",
  config: {
    table: {
      name: "qb_people",
      columns: {
        id: column.id(),
        name: column.text({ notNull: true }),
        email: column.text({ notNull: true, unique: true }),
        age: column.integer(),
        score: column.real(),
        active: column.boolean({ default: true }),
        role: column.text(),
        meta: column.json(),
        created_at: column.timestamp(),
        deleted_at: column.timestamp(),
      },
    },
    apiRoutes: {
      "POST /reset": { actions: ["reset"] },
      "POST /run": { actions: ["run"] },
      "GET /undefined-is-null": { actions: ["undefinedIsNull"] },
      "GET /reuse": { actions: ["reuse"] },
      "GET /table-keeps-nothing": { actions: ["tableKeepsNothing"] },
      "GET /docs-style": { actions: ["docsStyle"] },
    },
    actions: {
      reset: ({ table }) => {
        table.truncate()
        return table.insertBatch(people)
      },
      run: ({ table, body }) => {
        let target = table
        for (const [method, args] of revive(body.chain)) target = target[method](...args)
        return target
      },
      undefinedIsNull: ({ table }) => table.where({ role: undefined }).pluck("name"),
      reuse: ({ table }) => {
        const admins = table.where({ role: "admin" })
        const first = admins.count()
        // DockStat's builder starts afresh after each execution: the same object now counts every row.
        return [first, admins.count()]
      },
      tableKeepsNothing: ({ table }) => {
        table.where({ role: "admin" })
        table.whereOp("age", ">", 40).orderBy("name")
        return table.count()
      },
      docsStyle: ({ table }) => ({
        adults: table.select(["name", "age"]).whereNotNull("age").whereOp("age", ">=", 30).orderBy("age").desc().all(),
        gmailish: table.select(["*"]).whereRgx({ email: /@mail\\.test$/ }).orderBy("name").asc().pluck("name"),
        admin: table.where({ role: "admin" }).first(),
        adaEmail: table.where({ name: "Ada" }).value("email"),
      }),
    },
  },
}`

type Chain = [string, unknown[]][]

describe.each(runtimesOnThisHost<RuntimeKind>(["inline", "worker", "sandbox"]))("DockStat's query builder: %s runtime", (runtime) => {
  let handler: PluginHandler
  let id: number

  beforeAll(async () => {
    handler = new PluginHandler(new DB(join(tempDir(), "qb.db")), ["API"], {
      runtime,
      timeoutMs: 5000,
      // Semantics, not speed: a loaded CI machine must not turn a slow slice into a 504.
      sandbox: { maxSliceMs: 5000 },
    })
    const saved = handler.savePlugin(pluginInput("dockstat-qb", plugin))
    if (!saved.success) throw new Error(saved.message)
    id = saved.id
    await handler.loadPlugin(id)
  })
  afterAll(async () => {
    await handler.close()
  })
  /** The id of the last row (ids keep counting across resets: truncate keeps AUTOINCREMENT's sequence). */
  let lastId = 0
  beforeEach(async () => {
    const reset = (await call("/reset", "POST", {})) as { insertId: number; changes: number }
    expect(reset.changes).toBe(6)
    lastId = reset.insertId
  })

  const call = (path: string, method = "GET", body?: unknown) =>
    handler.handleRoute(
      id,
      path,
      new Request(`http://localhost${path}`, body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    )
  const run = (...chain: Chain) => call("/run", "POST", { chain })
  const names = async (...chain: Chain) => ((await run(...chain, ["orderBy", ["id"]], ["pluck", ["name"]])) as string[])
  const failure = async (...chain: Chain): Promise<PluginError> => {
    const error = await run(...chain).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error, JSON.stringify(chain)).toBeInstanceOf(PluginError)
    return error as PluginError
  }
  const re = (source: string, flags = "") => ({ $re: [source, flags] })

  describe("where", () => {
    it("matches equality, ANDed, with booleans converted", async () => {
      expect(await names(["where", [{ role: "user" }]])).toEqual(["Brook", "Cyd", "Fay"])
      expect(await names(["where", [{ active: true, role: "user" }]])).toEqual(["Brook"])
      expect(await names(["where", [{ active: false }]])).toEqual(["Cyd", "Fay"])
    })

    it("reads null and undefined as IS NULL", async () => {
      expect(await names(["where", [{ age: null }]])).toEqual(["Eli"])
      expect(await call("/undefined-is-null")).toEqual(["Eli"])
    })

    it("lets a later condition on a column replace the earlier one, across where, whereNull and whereIn", async () => {
      expect(await names(["where", [{ name: "Ada" }]], ["where", [{ name: "Brook" }]])).toEqual(["Brook"])
      expect(await names(["where", [{ age: 36 }]], ["whereNull", ["age"]])).toEqual(["Eli"])
      expect(await names(["whereNull", ["role"]], ["whereIn", ["role", ["admin", "moderator"]]])).toEqual(["Ada", "Dara"])
      expect(await names(["whereIn", ["role", ["admin"]]], ["where", [{ role: "moderator" }]])).toEqual(["Dara"])
    })

    it("whereIn / whereNotIn, and refuses an empty list", async () => {
      expect(await names(["whereIn", ["role", ["admin", "moderator"]]])).toEqual(["Ada", "Dara"])
      expect(await names(["whereIn", ["age", [29, 41, 99]]])).toEqual(["Brook", "Cyd"])
      expect(await names(["whereNotIn", ["role", ["user"]]])).toEqual(["Ada", "Dara"])
      expect((await failure(["whereIn", ["name", []]], ["all", []])).message).toMatch(/whereIn\(\) needs a non-empty array/)
      expect((await failure(["whereNotIn", ["name", []]], ["all", []])).message).toMatch(/whereNotIn\(\) needs a non-empty array/)
    })

    it("whereOp with each operator, in any case, adding up to ranges", async () => {
      expect(await names(["whereOp", ["age", ">=", 36]])).toEqual(["Ada", "Cyd", "Fay"])
      expect(await names(["whereOp", ["age", "<", 29]])).toEqual(["Dara"])
      expect(await names(["whereOp", ["age", "<=", 29]])).toEqual(["Brook", "Dara"])
      expect(await names(["whereOp", ["age", ">", 41]])).toEqual(["Fay"])
      expect(await names(["whereOp", ["role", "!=", "user"]])).toEqual(["Ada", "Dara"])
      expect(await names(["whereOp", ["role", "<>", "admin"]])).toEqual(["Brook", "Cyd", "Dara", "Fay"])
      expect(await names(["whereOp", ["name", "==", "Cyd"]])).toEqual(["Cyd"])
      expect(await names(["whereOp", ["email", "like", "%@mail.test"]])).toEqual(["Ada", "Cyd", "Eli"])
      expect(await names(["whereOp", ["name", "GLOB", "[AB]*"]])).toEqual(["Ada", "Brook"])
      expect(await names(["whereOp", ["role", "is", "admin"]])).toEqual(["Ada"])
      expect(await names(["whereOp", ["age", ">=", 25]], ["whereOp", ["age", "<=", 40]])).toEqual(["Ada", "Brook"])
    })

    it("whereOp turns null into IS NULL / IS NOT NULL", async () => {
      expect(await names(["whereOp", ["age", "=", null]])).toEqual(["Eli"])
      expect(await names(["whereOp", ["score", "IS", null]])).toEqual(["Eli"])
      expect(await names(["whereOp", ["age", "!=", null]])).toEqual(["Ada", "Brook", "Cyd", "Dara", "Fay"])
      expect(await names(["whereOp", ["role", "IS NOT", null]])).toEqual(["Ada", "Brook", "Cyd", "Dara", "Fay"])
    })

    it("whereOp refuses any other operator, naming the allowed ones", async () => {
      for (const op of ["INVALID", "IN", "; DROP TABLE qb_people", "= 1 OR 1 =", "REGEXP"]) {
        const error = await failure(["whereOp", ["age", op, 1]], ["all", []])
        expect(error.message).toMatch(/whereOp\(\): operator .* is not allowed; use one of =, ==, !=, <>, <, <=, >, >=, LIKE, GLOB, IS, IS NOT/)
      }
      expect(await run(["count", []])).toBe(6)
    })

    it("whereBetween / whereNotBetween, whereNull / whereNotNull", async () => {
      expect(await names(["whereBetween", ["age", 29, 41]])).toEqual(["Ada", "Brook", "Cyd"])
      expect(await names(["whereNotBetween", ["age", 29, 41]])).toEqual(["Dara", "Fay"])
      expect(await names(["whereBetween", ["created_at", 2000, 4000]])).toEqual(["Brook", "Cyd", "Dara"])
      expect(await names(["whereNull", ["age"]])).toEqual(["Eli"])
      expect(await names(["whereNotNull", ["age"]], ["where", [{ active: true }]])).toEqual(["Ada", "Brook", "Dara"])
    })

    it("whereRgx filters after the SQL part, RegExp or pattern string, null never matching", async () => {
      expect(await names(["whereRgx", [{ email: re("@mail\\.test$") }]])).toEqual(["Ada", "Cyd", "Eli"])
      expect(await names(["whereRgx", [{ email: "@corp\\.example$" }]])).toEqual(["Dara", "Fay"])
      expect(await names(["whereRgx", [{ name: re("^c", "i") }]])).toEqual(["Cyd"])
      expect(await names(["whereRgx", [{ role: re(".*") }]])).toEqual(["Ada", "Brook", "Cyd", "Dara", "Fay"])
      expect(await names(["where", [{ active: true }]], ["whereRgx", [{ email: re("@mail\\.test$") }]])).toEqual(["Ada"])
      expect(await names(["whereRgx", [{ meta: re('"team":"core"') }]])).toEqual(["Ada", "Fay"])
    })

    it("whereRgx keeps order, limit and offset: they apply to the matching rows", async () => {
      const rows = await run(["select", [["name"]]], ["whereRgx", [{ email: re("@mail\\.test$") }]], ["orderBy", ["name"]], ["desc", []], ["limit", [2]], ["offset", [1]], ["all", []])
      expect(rows).toEqual([{ name: "Cyd" }, { name: "Ada" }])
      expect(await run(["whereRgx", [{ email: re("mail") }]], ["orderBy", ["age"]], ["desc", []], ["first", []])).toMatchObject({ name: "Cyd" })
      expect(await run(["whereRgx", [{ email: re("mail") }]], ["count", []])).toBe(3)
      expect(await run(["whereRgx", [{ email: re("nowhere") }]], ["exists", []])).toBe(false)
      expect(await run(["whereRgx", [{ email: re("corp") }]], ["orderBy", ["age"]], ["desc", []], ["value", ["name"]])).toBe("Fay")
    })

    it("whereRgx on a column replaces earlier conditions on it, and a later where replaces it", async () => {
      expect(await names(["where", [{ email: "ada@mail.test" }]], ["whereRgx", [{ email: re("corp") }]])).toEqual(["Dara", "Fay"])
      expect(await names(["whereRgx", [{ email: re("corp") }]], ["where", [{ email: "ada@mail.test" }]])).toEqual(["Ada"])
    })

    it("reports a broken pattern clearly", async () => {
      expect((await failure(["whereRgx", [{ name: "(" }]], ["all", []])).message).toMatch(/whereRgx/)
    })

    it("whereExpr / whereRaw with bound parameters, combined with other conditions", async () => {
      expect(await names(["whereExpr", ["length(name) > ?", [4]]])).toEqual(["Brook"])
      expect(await names(["whereExpr", ["age IS NOT NULL AND age < ?", [30]]])).toEqual(["Brook", "Dara"])
      expect(await names(["whereRaw", ["age BETWEEN ? AND ?", [25, 40]]])).toEqual(["Ada", "Brook"])
      expect(await names(["where", [{ active: true }]], ["whereExpr", ["score > ?", [80]]])).toEqual(["Ada", "Dara"])
      expect(await names(["whereExpr", ["lower(name) LIKE ? ESCAPE '!'", ["%y%"]]])).toEqual(["Cyd", "Fay"])
      expect(await names(["whereExpr", ["id IN (SELECT id FROM qb_people WHERE age > ?)", [40]]])).toEqual(["Cyd", "Fay"])
      expect(await names(["whereExpr", ["name = 'x''); DROP TABLE qb_people; --'"]])).toEqual([])
      expect(await run(["count", []])).toBe(6)
    })

    it("whereExpr refuses an empty expression and a parameter count that does not fit", async () => {
      expect((await failure(["whereExpr", [""]], ["all", []])).message).toMatch(/whereExpr must be a non-empty string/)
      expect((await failure(["whereRaw", ["   "]], ["all", []])).message).toMatch(/whereExpr must be a non-empty string/)
      expect((await failure(["whereExpr", ["age > ?", []]], ["all", []])).message).toMatch(/1 \? placeholder\(s\) but 0 parameter\(s\)/)
    })
  })

  describe("select", () => {
    it("selects columns, orders with orderBy(col).desc() or orderBy(col, dir), limits and offsets", async () => {
      expect(await run(["select", [["name", "age"]]], ["orderBy", ["age"]], ["desc", []], ["limit", [2]], ["all", []])).toEqual([
        { name: "Fay", age: 52 },
        { name: "Cyd", age: 41 },
      ])
      expect(await run(["select", [["name"]]], ["orderBy", ["age", "desc"]], ["limit", [1]], ["all", []])).toEqual([{ name: "Fay" }])
      expect(await run(["select", [["name"]]], ["desc", []], ["orderBy", ["name"]], ["limit", [1]], ["all", []])).toEqual([{ name: "Fay" }])
      expect(await run(["select", [["name"]]], ["whereNotNull", ["age"]], ["orderBy", ["age"]], ["asc", []], ["offset", [3]], ["all", []])).toEqual([{ name: "Cyd" }, { name: "Fay" }])
      expect(await run(["select", [["*"]]], ["where", [{ name: "Ada" }]], ["all", []])).toEqual([
        { id: lastId - 5, name: "Ada", email: "ada@mail.test", age: 36, score: 91.5, active: true, role: "admin", meta: { team: "core" }, created_at: 1000, deleted_at: null },
      ])
    })

    it("get() respects a set limit, first() takes one row, both null when none", async () => {
      expect(await run(["orderBy", ["age"]], ["whereNotNull", ["age"]], ["get", []])).toMatchObject({ name: "Dara" })
      expect(await run(["limit", [0]], ["get", []])).toBeNull()
      expect(await run(["orderBy", ["id"]], ["offset", [2]], ["first", []])).toMatchObject({ name: "Cyd" })
      expect(await run(["where", [{ name: "nobody" }]], ["first", []])).toBeNull()
      expect(await run(["where", [{ name: "nobody" }]], ["get", []])).toBeNull()
    })

    it("count, exists, value and pluck", async () => {
      expect(await run(["count", []])).toBe(6)
      expect(await run(["where", [{ role: "user" }]], ["limit", [1]], ["count", []])).toBe(3)
      expect(await run(["where", [{ role: "admin" }]], ["exists", []])).toBe(true)
      expect(await run(["where", [{ role: "superadmin" }]], ["exists", []])).toBe(false)
      expect(await run(["where", [{ name: "Ada" }]], ["value", ["email"]])).toBe("ada@mail.test")
      expect(await run(["where", [{ name: "Ada" }]], ["value", ["meta"]])).toEqual({ team: "core" })
      expect(await run(["where", [{ name: "nobody" }]], ["value", ["email"]])).toBeNull()
      expect(await run(["where", [{ active: true }]], ["orderBy", ["name"]], ["pluck", ["name"]])).toEqual(["Ada", "Brook", "Dara"])
      expect(await run(["select", [["email"]]], ["where", [{ name: "Eli" }]], ["pluck", ["active"]])).toEqual([null])
    })

    it("names an unknown column wherever one is given", async () => {
      for (const chain of [
        [["select", [["nope"]]], ["all", []]],
        [["where", [{ nope: 1 }]], ["all", []]],
        [["whereOp", ["nope", "=", 1]], ["all", []]],
        [["orderBy", ["nope"]], ["all", []]],
        [["whereRgx", [{ nope: re("x") }]], ["all", []]],
        [["pluck", ["nope"]]],
      ] as Chain[]) {
        expect((await failure(...chain)).message).toMatch(/unknown column "nope"/)
      }
    })

    it("starts each execution afresh; the table itself keeps no state", async () => {
      expect(await call("/reuse")).toEqual([1, 6])
      expect(await call("/table-keeps-nothing")).toBe(6)
    })

    it("runs code written as DockStat's docs write it", async () => {
      expect(await call("/docs-style")).toEqual({
        adults: [
          { name: "Fay", age: 52 },
          { name: "Cyd", age: 41 },
          { name: "Ada", age: 36 },
        ],
        gmailish: ["Ada", "Cyd", "Eli"],
        admin: expect.objectContaining({ name: "Ada", active: true, meta: { team: "core" } }),
        adaEmail: "ada@mail.test",
      })
    })
  })

  describe("insert", () => {
    it("insert(row | rows) -> { insertId, changes }; insertAndGet returns the stored row with defaults", async () => {
      expect(await run(["insert", [{ name: "Gus", email: "gus@x.test" }]])).toEqual({ insertId: lastId + 1, changes: 1 })
      expect(await run(["insert", [[{ name: "Hal", email: "hal@x.test" }, { name: "Ivy", email: "ivy@x.test" }]]])).toEqual({ insertId: lastId + 3, changes: 2 })
      expect(await run(["insertAndGet", [{ name: "Jo", email: "jo@x.test", meta: { a: [1] } }]])).toEqual({
        id: lastId + 4, name: "Jo", email: "jo@x.test", age: null, score: null, active: true, role: null, meta: { a: [1] }, created_at: null, deleted_at: null,
      })
    })

    it("the conflict variants: OR IGNORE, OR REPLACE, and OR ABORT / FAIL / ROLLBACK refusing", async () => {
      expect(await run(["insertOrIgnore", [{ name: "Ada 2", email: "ada@mail.test" }]])).toEqual({ insertId: 0, changes: 0 })
      expect(await names(["where", [{ email: "ada@mail.test" }]])).toEqual(["Ada"])
      expect(await run(["insertOrReplace", [{ name: "Ada 2", email: "ada@mail.test" }]])).toMatchObject({ changes: 1 })
      expect(await run(["where", [{ email: "ada@mail.test" }]], ["value", ["name"]])).toBe("Ada 2")
      expect(await run(["count", []])).toBe(6)
      for (const method of ["insertOrAbort", "insertOrFail", "insertOrRollback", "insert"]) {
        const error = await failure([method, [{ name: "Dup", email: "brook@post.example" }]])
        expect([error.status, error.code], method).toEqual([409, "UNIQUE_VIOLATION"])
      }
      expect(await run(["count", []])).toBe(6)
    })

    it("insertBatch is one transaction: one bad row inserts none", async () => {
      expect(await run(["insertBatch", [[{ name: "K", email: "k@x.test" }, { name: "L", email: "l@x.test" }]]])).toEqual({ insertId: lastId + 2, changes: 2 })
      const error = await failure(["insertBatch", [[{ name: "M", email: "m@x.test" }, { email: "no-name@x.test" }]]])
      expect(error.message).toMatch(/column "name" must have a value/)
      expect(await run(["count", []])).toBe(8)
    })

    it("upsert replaces the row with the same unique key", async () => {
      expect(await run(["upsert", [{ name: "Brook B.", email: "brook@post.example", age: 30 }]])).toMatchObject({ changes: 1 })
      expect(await run(["where", [{ email: "brook@post.example" }]], ["select", [["name", "age", "role"]]], ["first", []])).toEqual({ name: "Brook B.", age: 30, role: null })
      expect(await run(["count", []])).toBe(6)
    })
  })

  describe("update", () => {
    it("update, increment and decrement the rows a where picks", async () => {
      expect(await run(["where", [{ name: "Brook" }]], ["update", [{ score: 80, active: false }]])).toEqual({ changes: 1 })
      expect(await run(["where", [{ name: "Brook" }]], ["select", [["score", "active"]]], ["first", []])).toEqual({ score: 80, active: false })
      expect(await run(["where", [{ role: "user" }]], ["increment", ["age"]])).toEqual({ changes: 3 })
      expect(await run(["where", [{ name: "Fay" }]], ["decrement", ["age", 10]])).toEqual({ changes: 1 })
      expect(await run(["whereNotNull", ["age"]], ["orderBy", ["id"]], ["pluck", ["age"]])).toEqual([36, 30, 42, 23, 43])
    })

    it("updateAndGet returns the rows as they were before", async () => {
      const before = await run(["where", [{ role: "user" }]], ["orderBy", ["id"]], ["updateAndGet", [{ role: "member" }]])
      expect((before as { name: string; role: string }[]).map((row) => [row.name, row.role])).toEqual([
        ["Brook", "user"],
        ["Cyd", "user"],
        ["Fay", "user"],
      ])
      expect(await names(["where", [{ role: "member" }]])).toEqual(["Brook", "Cyd", "Fay"])
      expect(await run(["where", [{ role: "nobody" }]], ["updateAndGet", [{ role: "x" }]])).toEqual([])
    })

    it("updates the rows a whereRgx picks: it counts as a where", async () => {
      expect(await run(["whereRgx", [{ email: re("corp\\.example$") }]], ["update", [{ role: "corp" }]])).toEqual({ changes: 2 })
      expect(await names(["where", [{ role: "corp" }]])).toEqual(["Dara", "Fay"])
      expect(await run(["whereRgx", [{ email: re("mail") }]], ["increment", ["score", 1]])).toEqual({ changes: 3 })
    })

    it("updateBatch applies each { where, data } in one transaction", async () => {
      expect(await run(["updateBatch", [[{ where: { name: "Ada" }, data: { age: 37 } }, { where: { role: null }, data: { role: "guest" } }]]])).toEqual({ changes: 2 })
      expect(await names(["where", [{ role: "guest" }]])).toEqual(["Eli"])
      const error = await failure(["updateBatch", [[{ where: { name: "Brook" }, data: { age: 99 } }, { where: {}, data: { age: 1 } }]]])
      expect(error.message).toMatch(/updateBatch\(\): item 1 needs a where object/)
      expect(await run(["where", [{ name: "Brook" }]], ["value", ["age"]])).toBe(29)
    })

    it("refuses update, increment and updateAndGet without a where", async () => {
      for (const chain of [
        [["update", [{ role: "x" }]]],
        [["select", [["name"]]], ["update", [{ role: "x" }]]],
        [["orderBy", ["id"]], ["limit", [1]], ["update", [{ role: "x" }]]],
        [["where", [{}]], ["update", [{ role: "x" }]]],
        [["increment", ["age"]]],
        [["updateAndGet", [{ role: "x" }]]],
        [["softDelete", []]],
      ] as Chain[]) {
        expect((await failure(...chain)).message, JSON.stringify(chain)).toMatch(/needs a where\(\) clause/)
      }
      expect(await run(["where", [{ role: "x" }]], ["count", []])).toBe(0)
    })
  })

  describe("delete", () => {
    it("delete and deleteAndGet remove the rows a where picks; deleteAndGet returns them", async () => {
      expect(await run(["where", [{ name: "Eli" }]], ["delete", []])).toEqual({ changes: 1 })
      const gone = (await run(["whereIn", ["role", ["admin", "moderator"]]], ["orderBy", ["id"]], ["deleteAndGet", []])) as { name: string; meta: unknown }[]
      expect(gone.map((row) => [row.name, row.meta])).toEqual([
        ["Ada", { team: "core" }],
        ["Dara", { team: "ops" }],
      ])
      expect(await names()).toEqual(["Brook", "Cyd", "Fay"])
    })

    it("deletes the rows a whereRgx picks", async () => {
      expect(await run(["whereRgx", [{ email: re("^[a-c]") }]], ["delete", []])).toEqual({ changes: 3 })
      expect(await names()).toEqual(["Dara", "Eli", "Fay"])
    })

    it("softDelete marks rows with unix seconds, restore clears the mark", async () => {
      const before = Math.floor(Date.now() / 1000)
      expect(await run(["where", [{ role: "user" }]], ["softDelete", []])).toEqual({ changes: 3 })
      const marks = (await run(["whereNotNull", ["deleted_at"]], ["pluck", ["deleted_at"]])) as number[]
      expect(marks).toHaveLength(3)
      for (const mark of marks) expect(mark).toBeGreaterThanOrEqual(before)
      expect(await run(["where", [{ name: "Ada" }]], ["softDelete", ["deleted_at", 42]])).toEqual({ changes: 1 })
      expect(await run(["where", [{ name: "Ada" }]], ["value", ["deleted_at"]])).toBe(42)
      expect(await run(["where", [{ role: "user" }]], ["restore", []])).toEqual({ changes: 3 })
      expect(await names(["whereNotNull", ["deleted_at"]])).toEqual(["Ada"])
    })

    it("deleteBatch, deleteOlderThan, deleteDuplicates and truncate", async () => {
      expect(await run(["deleteBatch", [[{ name: "Ada" }, { name: "Cyd" }, { name: "nobody" }]]])).toEqual({ changes: 2 })
      expect(await run(["deleteOlderThan", ["created_at", 4500]])).toEqual({ changes: 2 })
      expect(await names()).toEqual(["Eli", "Fay"])
      await call("/reset", "POST", {})
      expect(await run(["deleteDuplicates", [["role"]]])).toEqual({ changes: 2 })
      expect(await names()).toEqual(["Ada", "Brook", "Dara", "Eli"])
      expect(await run(["truncate", []])).toEqual({ changes: 4 })
      expect(await run(["count", []])).toBe(0)
    })

    it("refuses delete, deleteAndGet and deleteBatch items without a where", async () => {
      for (const chain of [
        [["delete", []]],
        [["select", [["name"]]], ["delete", []]],
        [["where", [{}]], ["delete", []]],
        [["deleteAndGet", []]],
        [["restore", []]],
      ] as Chain[]) {
        expect((await failure(...chain)).message, JSON.stringify(chain)).toMatch(/needs a where\(\) clause/)
      }
      expect((await failure(["deleteBatch", [[{ name: "Ada" }, {}]]])).message).toMatch(/deleteBatch\(\): item 1 needs a where object/)
      expect(await run(["count", []])).toBe(6)
    })
  })
})
