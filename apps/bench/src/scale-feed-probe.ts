/**
 * The follower of scale.ts's feed latency: a started handler on the shared file (argv[2]) that reports,
 * for the plugin id argv[3], each time it starts or stops serving, with the wall-clock time (ms, sub-ms
 * precision) the parent compares with the time it made the change.
 */
import { DB, createHandler } from "./fixtures.ts"

async function main() {
  const [path, rawId] = process.argv.slice(2)
  if (path === undefined || rawId === undefined) throw new Error("scale-feed-probe.ts needs the database file and a plugin id")
  const id = Number(rawId)
  const db = new DB(path)
  // The default poll interval (100 ms), as a server has it.
  const handler = createHandler(db, { runtime: "inline" })
  await handler.start()
  let loaded = handler.getLoadedPlugins().includes(id)
  process.send?.({ type: "ready", loaded })
  // Checks every millisecond: the probe's own resolution, small beside the feed's 100 ms interval.
  setInterval(() => {
    const now = handler.getLoadedPlugins().includes(id)
    if (now === loaded) return
    loaded = now
    process.send?.({ type: "changed", loaded, at: performance.timeOrigin + performance.now() })
  }, 1)
  process.on("disconnect", () => process.exit(0))
}

main().catch((error: unknown) => {
  process.send?.({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  process.exit(1)
})
