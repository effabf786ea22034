import { ConfigError, loadConfig } from "./config.ts"
import { serverOptionsFromConfig, startServer } from "./server.ts"

import type { RunningServer } from "./server.ts"

// `pnpm start`: the demo server, configured by PORT, HOST, DOCKSTAT_DB, LOG_LEVEL, DOCKER_HOST,
// DOCKSTAT_DOCKER_HOSTS, DOCKSTAT_DOCKER_EVENTS, DOCKSTAT_ALLOW_PRIVATE_NETWORK, DOCKSTAT_ACCESS_LOG,
// DOCKSTAT_ADMIN_TOKEN, DOCKSTAT_ALLOWED_HOSTS and DOCKSTAT_DB_SYNC_URL (with DOCKSTAT_DB_AUTH_TOKEN and
// DOCKSTAT_DB_SYNC_PERIOD).
let server: RunningServer
try {
  const config = loadConfig()
  server = await startServer(serverOptionsFromConfig(config))
} catch (error) {
  // A bad setting or a taken port is the operator's to fix: say what, without a stack trace.
  const message = error instanceof ConfigError || (error as NodeJS.ErrnoException).code === "EADDRINUSE" ? (error as Error).message : undefined
  console.error(message ? `Could not start: ${message}` : error)
  process.exit(1)
}

let stopping = false
async function stop(signal: NodeJS.Signals): Promise<void> {
  // A second Ctrl-C means "now": do not wait for the graceful close.
  if (stopping) process.exit(130)
  stopping = true
  try {
    await server.close()
    process.exit(0)
  } catch (error) {
    console.error(`Error while stopping on ${signal}:`, error)
    process.exit(1)
  }
}

process.on("SIGINT", (signal) => void stop(signal))
process.on("SIGTERM", (signal) => void stop(signal))
