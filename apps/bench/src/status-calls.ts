/**
 * `getStatus()` and `getAllPluginRoutes()` with 1000 plugins loaded (inline), in microseconds per call,
 * each against the floor of the data it returns: the metadata rows read raw, the route lists copied.
 */
import { runBenchmark } from "./child.ts"
import { DB, createHandler, loadAllOrThrow, seededDb } from "./fixtures.ts"
import { paired, spread } from "./measure.ts"
import { row } from "./report.ts"
import type { Row } from "./report.ts"

const PLUGINS = 1000

runBenchmark(async (): Promise<Row[]> => {
  const { path } = await seededDb(PLUGINS)
  const db = new DB(path)
  const handler = createHandler(db)
  await loadAllOrThrow(handler)
  const status = handler.getStatus()
  if (status.loaded_plugins.length !== PLUGINS || status.installed_plugins.count !== PLUGINS) throw new Error("not every plugin is loaded")

  // The columns getAll() shows (everything but the code), read raw, JSON columns parsed as drizzle does.
  const columns = Object.keys(status.installed_plugins.data[0] ?? {})
  const names = db.client.prepare("SELECT name FROM pragma_table_info('plugins')").all() as { name: string }[]
  const sqlColumns = names.map(({ name }) => name).filter((name) => name !== "plugin")
  const rawList = db.client.prepare(`SELECT ${sqlColumns.map((name) => `"${name}"`).join(", ")} FROM plugins ORDER BY id`)
  const jsonColumns = sqlColumns.filter((name) => name === "author" || name === "tags" || name === "permissions")
  const readRaw = () => {
    const rows = rawList.all([]) as Record<string, unknown>[]
    for (const entry of rows) for (const name of jsonColumns) if (typeof entry[name] === "string") entry[name] = JSON.parse(entry[name] as string)
    return rows
  }
  const routes = handler.getAllPluginRoutes()
  const copyRoutes = () => routes.map((entry) => ({ id: entry.id, plugin: entry.plugin, routes: [...entry.routes] }))

  const statusTimes = await paired(() => handler.getStatus(), readRaw, { iterations: 10, rounds: 5 })
  const routeTimes = await paired(() => handler.getAllPluginRoutes(), copyRoutes, { iterations: 1000, rounds: 7 })
  await handler.close()
  db.close()

  const us = (ns: number) => ns / 1000
  return [
    row({
      id: "status.get-status-1000",
      metric: "getStatus(), 1000 plugins loaded (us/call)",
      ours: us(statusTimes.ours),
      baseline: us(statusTimes.baseline),
      baselineLabel: `raw SELECT of the ${sqlColumns.length} metadata columns of 1000 rows, JSON columns (${jsonColumns.join(", ")}) parsed`,
      ratio: statusTimes.ratio,
      goal: "<= 1.10x",
      holds: statusTimes.ratio <= 1.1,
      note: `5 alternating rounds of 10 calls; ours ${spread(statusTimes.oursRounds.map(us), 0)} us; getAll() shows ${columns.length} fields`,
    }),
    row({
      id: "status.get-all-plugin-routes-1000",
      metric: "getAllPluginRoutes(), 1000 plugins loaded (us/call)",
      ours: us(routeTimes.ours),
      baseline: us(routeTimes.baseline),
      baselineLabel: "copying 1000 prebuilt { id, plugin, routes } entries",
      ratio: routeTimes.ratio,
      goal: "info",
      holds: null,
      note: `7 alternating rounds of 1,000 calls; ours ${spread(routeTimes.oursRounds.map(us), 1)} us`,
    }),
  ]
})
