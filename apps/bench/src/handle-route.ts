/**
 * `handler.handleRoute(id, path, request)` against calling the same action function directly: what the
 * host adds to a request (route match, request -> input, the chain runner), in microseconds.
 */
import { join } from "node:path"

import { runBenchmark } from "./child.ts"
import { DB, HELLO, HELLO_PATH, createHandler, loadAllOrThrow, seedPlugins, tempDir } from "./fixtures.ts"
import { paired, spread } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

runBenchmark(async (): Promise<Row[]> => {
  const db = new DB(join(tempDir(), "route.db"))
  const [id] = (await seedPlugins(db, { prefix: "bench-route", count: 1 })) as [number]
  const handler = createHandler(db)
  await loadAllOrThrow(handler)
  const { table, logger } = handler.getServerHooks(id)

  // A GET has no body to consume, so one Request serves every call: only handleRoute is timed.
  const request = new Request(`http://127.0.0.1${HELLO_PATH}`)
  const answer = await handler.handleRoute(id, HELLO_PATH, request)
  if (JSON.stringify(answer) !== JSON.stringify(HELLO)) throw new Error(`handleRoute answered ${JSON.stringify(answer)}`)

  // The plugin's action, as its module defines it, and the context an action gets.
  const action = (_context: unknown) => ({ ...HELLO })
  const context = { logger, table, body: undefined, params: {}, query: {}, headers: {}, method: "GET", path: HELLO_PATH, plugin: { id, name: "bench-route-0", version: "1.0.0" } }
  const result = await paired(
    () => handler.handleRoute(id, HELLO_PATH, request),
    async () => action(context),
    { iterations: 20_000, rounds: 9, async: true },
  )
  await handler.close()
  db.close()

  const us = (ns: number) => ns / 1000
  return [
    row({
      id: "handle-route.call",
      metric: "handleRoute() direct, inline (us/call)",
      ours: us(result.ours),
      baseline: us(result.baseline),
      baselineLabel: "the action function called directly (awaited)",
      ratio: result.ratio,
      goal: "info",
      holds: null,
      note: `overhead ${us(result.ours - result.baseline).toFixed(2)} us/request; ${result.oursRounds.length} alternating rounds of 20,000 awaited calls, ours ${spread(result.oursRounds.map(us), 2)} us`,
    }),
    row({
      id: "handle-route.overhead",
      metric: "handleRoute() overhead over the action (us)",
      ours: us(result.ours - result.baseline),
      baseline: null,
      baselineLabel: "",
      goal: "info",
      holds: null,
    }),
  ]
})
