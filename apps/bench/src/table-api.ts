/**
 * The table API a plugin gets (`table.select().where(...).all()`, `table.insert(row)`) against the same
 * statement prepared once on the raw libSQL connection of the same database. Goal: at most 1.3x.
 */
import { join } from "node:path"

import type { TableApi } from "@dockstat/plugin-handler"

import { runBenchmark } from "./child.ts"
import { DB, createHandler, loadAllOrThrow, seedPlugins, tableNameOf, tempDir } from "./fixtures.ts"
import { paired, spread } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const ROWS = 1000
const GOAL = 1.3

runBenchmark(async (): Promise<Row[]> => {
  const db = new DB(join(tempDir(), "table.db"))
  const [id] = await seedPlugins(db, { prefix: "bench-table", count: 1 })
  const handler = createHandler(db)
  await loadAllOrThrow(handler)
  const table = handler.getServerHooks(id as number).table as TableApi
  const quoted = `"${tableNameOf("bench-table-0")}"`
  for (let index = 0; index < ROWS; index++) table.insert({ label: `row ${index}`, n: index })

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
  ]
})
