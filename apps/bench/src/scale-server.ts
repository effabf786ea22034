/**
 * One server process of scale.ts: the demo's app around a started handler (following the registry) on
 * the shared database file given as argv[2], serving the scale writer plugin. Tells the parent its URL.
 */
import { serve } from "@hono/node-server"

import type { AddressInfo } from "node:net"

import { createDemoApp } from "./demo-app.ts"
import { DB, createHandler } from "./fixtures.ts"

async function main() {
  const path = process.argv[2]
  if (path === undefined) throw new Error("scale-server.ts needs the database file")
  const db = new DB(path)
  // The demo's default runtime: untrusted plugins run in the sandbox.
  const handler = createHandler(db, { runtime: "sandbox" })
  const started = await handler.start()
  if (started.errors.length > 0) throw new Error(`plugins failed to load: ${started.errors[0]?.error}`)
  const demo = await createDemoApp(handler)
  const port = await new Promise<number>((resolve) => serve({ fetch: demo.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve(info.port)))
  process.send?.({ type: "ready", url: `http://127.0.0.1:${port}` })
  process.on("disconnect", () => process.exit(0))
}

main().catch((error: unknown) => {
  process.send?.({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  process.exit(1)
})
