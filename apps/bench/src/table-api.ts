/**
 * The table API a plugin gets (`table.select().where(...).all()`, `table.insert(row)`) against the same
 * statement prepared once on the raw libSQL connection of the same database. Goal: at most 1.2x (issue 17).
 * Also, as info: the same select from inside a sandboxed plugin (a route whose action calls it, through
 * `handleRouteNow`) against that route in an inline plugin.
 */
import { join } from "node:path"

import type { TableApi } from "@dockstat/plugin-handler"

import { runBenchmark } from "./child.ts"
import { DB, ROW_PATH, createHandler, loadAllOrThrow, seedPlugins, tableNameOf, tempDir } from "./fixtures.ts"
import { paired, spread } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const ROWS = 1000
const GOAL = 1.2

runBenchmark(async (): Promise<Row[]> => {
  const db = new DB(join(tempDir(), "table.db"))
  // bench-table-0 inline, bench-table-1 the same plugin in the sandbox (each with its own table).
  const [id, sandboxId] = (await seedPlugins(db, { prefix: "bench-table", count: 2, selectRoute: true })) as [number, number]
  const handler = createHandler(db, { pluginRuntimes: { "bench-table-1": "sandbox" } })
  await loadAllOrThrow(handler)
  const table = handler.getServerHooks(id).table as TableApi
  const sandboxTable = handler.getServerHooks(sandboxId).table as TableApi
  const quoted = `"${tableNameOf("bench-table-0")}"`
  for (let index = 0; index < ROWS; index++) {
    table.insert({ label: `row ${index}`, n: index })
    sandboxTable.insert({ label: `row ${index}`, n: index })
  }

  const rawSelect = db.client.prepare(`SELECT * FROM ${quoted} WHERE "id" = ?`)
  const rawInsert = db.client.prepare(`INSERT INTO ${quoted} ("label", "n") VALUES (?, ?)`)

  // Same keys, same rows, for both sides.
  let selectKey = 0
  const nextKey = () => (selectKey = (selectKey % ROWS) + 1)
  const select = await paired(
    () => table.select().where({ id: nextKey() }).all(),
    () => rawSelect.all([nextKey()]),
    { iterations: 2_000, rounds: 31 },
  )
  // The select as a plugin's route does it: the request -> input, the chain, the table call, the answer.
  // GET requests without a body: one Request per key serves every call.
  const rowRequests = Array.from({ length: ROWS }, (_, index) => `${ROW_PATH}?id=${index + 1}`)
  const requests = rowRequests.map((path) => new Request(`http://127.0.0.1${path}`))
  const viaRoute = (pluginId: number) => () => {
    const key = nextKey() - 1
    return handler.handleRouteNow(pluginId, rowRequests[key] as string, requests[key] as Request)
  }
  const check = (await viaRoute(sandboxId)()) as { label: string }[]
  if (!Array.isArray(check) || check.length !== 1) throw new Error(`the sandboxed select route answered ${JSON.stringify(check)}`)
  const routeSelect = await paired(viaRoute(sandboxId), viaRoute(id), { iterations: 1_000, rounds: 15, async: true })

  let n = 0
  const insert = await paired(
    () => table.insert({ label: "inserted", n: ++n }),
    () => rawInsert.run(["inserted", ++n]),
    { iterations: 500, rounds: 7 },
  )
  // Each autocommit insert waits for the WAL's fsync, which hides the API's own cost: the same inserts
  // batched in one transaction per round show it.
  const batched = (insertOne: () => unknown) => () => db.transaction(() => {
    for (let index = 0; index < 1000; index++) insertOne()
  })
  const inTransaction = await paired(
    batched(() => table.insert({ label: "batched", n: ++n })),
    batched(() => rawInsert.run(["batched", ++n])),
    { iterations: 2, rounds: 31 },
  )
  await handler.close()
  db.close()

  const us = (ns: number) => ns / 1000
  return [
    row({
      id: "table.select",
      metric: "table.select().where({id}).all() (us/op)",
      ours: us(select.ours),
      baseline: us(select.baseline),
      baselineLabel: "raw libsql statement prepared once, .all([id])",
      ratio: select.ratio,
      goal: `<= ${GOAL}x`,
      holds: select.ratio <= GOAL,
      note: `${select.oursRounds.length} alternating rounds of 2,000 ops (ratio: median of the per-round ratios); ours ${spread(select.oursRounds.map(us), 2)} us, raw ${spread(select.baselineRounds.map(us), 2)} us`,
    }),
    row({
      id: "table.insert",
      metric: "table.insert(row) (us/op)",
      ours: us(insert.ours),
      baseline: us(insert.baseline),
      baselineLabel: "raw libsql INSERT prepared once, .run([label, n]) (file DB, WAL, autocommit)",
      ratio: insert.ratio,
      goal: `<= ${GOAL}x`,
      holds: insert.ratio <= GOAL,
      note: `${insert.oursRounds.length} alternating rounds of 500 ops; each op commits (fsync); ours ${spread(insert.oursRounds.map(us), 2)} us, raw ${spread(insert.baselineRounds.map(us), 2)} us`,
    }),
    row({
      id: "table.insert-in-transaction",
      metric: "table.insert(row) in a transaction (us/op)",
      ours: us(inTransaction.ours / 1000),
      baseline: us(inTransaction.baseline / 1000),
      baselineLabel: "raw libsql INSERT prepared once, same transaction batches of 1,000",
      ratio: inTransaction.ratio,
      goal: "info (API cost without fsync)",
      holds: null,
      note: `${inTransaction.oursRounds.length} alternating rounds of 2 transactions x 1,000 inserts`,
    }),
    row({
      id: "table.select-sandbox",
      metric: "table.select().where({id}).all() via a route, sandbox (us/op)",
      ours: us(routeSelect.ours),
      baseline: us(routeSelect.baseline),
      baselineLabel: "the same route and select in an inline plugin (handleRouteNow)",
      ratio: routeSelect.ratio,
      goal: "info",
      holds: null,
      note:
        `sandbox cost per routed select ${us(routeSelect.ours - routeSelect.baseline).toFixed(1)} us; ${routeSelect.oursRounds.length} alternating rounds of 1,000 awaited calls; ` +
        `sandbox ${spread(routeSelect.oursRounds.map(us), 1)} us, inline ${spread(routeSelect.baselineRounds.map(us), 1)} us`,
    }),
  ]
})
