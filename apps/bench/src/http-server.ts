/**
 * The server side of http-route.ts, in its own process so the load generator does not share its event
 * loop: the demo's Hono app around a handler with one inline, one worker and one sandboxed plugin (each
 * with a table), and a bare Hono app answering the same object, each on its own loopback port.
 */
import { serve } from "@hono/node-server"

import type { Server } from "node:http"
import type { AddressInfo } from "node:net"

import { bareApp, createDemoApp, demoRoutePath } from "./demo-app.ts"
import { HELLO, HELLO_PATH, httpTargets } from "./fixtures.ts"

export interface ServerInfo {
  bareUrl: string
  inlineUrl: string
  workerUrl: string
  sandboxUrl: string
  appSource: string
}

function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve({ server, port: info.port })) as Server
    server.once("error", reject)
  })
}

async function main() {
  const { db, handler, ids } = await httpTargets()

  const demo = await createDemoApp(handler)
  const app = await listen(demo.fetch)
  const bare = await listen(bareApp(HELLO).fetch)
  const base = (port: number) => `http://127.0.0.1:${port}`
  const info: ServerInfo = {
    bareUrl: `${base(bare.port)}/hello`,
    inlineUrl: `${base(app.port)}${demoRoutePath(ids.inline, HELLO_PATH)}`,
    workerUrl: `${base(app.port)}${demoRoutePath(ids.worker, HELLO_PATH)}`,
    sandboxUrl: `${base(app.port)}${demoRoutePath(ids.sandbox, HELLO_PATH)}`,
    appSource: demo.source,
  }
  process.send?.({ type: "ready", info })
  // CPU time of this process (all its threads) on request: the runner divides it by the requests served.
  process.on("message", (message: { type?: string }) => {
    if (message.type === "cpu") process.send?.({ type: "cpu", usage: process.cpuUsage() })
  })
  // The parent ends the run by disconnecting (or by dying): close everything and leave.
  process.once("disconnect", () => {
    app.server.closeAllConnections()
    bare.server.closeAllConnections()
    void handler.close().finally(() => {
      db.close()
      process.exit(0)
    })
  })
}

main().catch((error: unknown) => {
  process.send?.({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  process.exit(1)
})
