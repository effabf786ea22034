import PluginHandler, { DB } from "@dockstat/plugin-handler"

import type { DockerOptions } from "@dockstat/plugin-handler"

import type { LevelWithSilent, Logger } from "pino"

import { createApp } from "./app.ts"
import { listen } from "./listen.ts"
import { createLogger } from "./logger.ts"
import { installExamplePlugins } from "./seed-examples.ts"

export interface StartServerOptions {
  /** The libSQL file (its folder is created); `:memory:` works for throwaway runs. */
  dbPath: string
  /** 0 lets the OS choose; the chosen port is in the result. */
  port: number
  /** Default 127.0.0.1: the API installs and runs code and has no authentication. */
  hostname?: string
  /** Level of the logger made here (ignored when `logger` is given). Default "info". */
  logLevel?: LevelWithSilent
  logger?: Logger
  /** Install the seed's example plugins on the first start of the database (recorded; never again). Default true. */
  installExamples?: boolean
  /** One info line per request (method, path, status, ms). Default true; `DOCKSTAT_ACCESS_LOG=off` turns it off. */
  accessLog?: boolean
  /**
   * Docker events to plugin hooks: the engine at `host` (else DOCKER_HOST, else /var/run/docker.sock),
   * or each of `hosts: [{ id, name, host }]`. An unreachable engine is logged once and retried; `false`
   * turns the source off. Default on.
   */
  docker?: DockerOptions | false
  /**
   * Let installs fetch manifests and code from loopback and private networks (a catalog on the LAN).
   * Default true: the demo serves a local user. Link-local and cloud metadata addresses are refused
   * either way. `DOCKSTAT_ALLOW_PRIVATE_NETWORK=0` turns it off.
   */
  allowPrivateNetwork?: boolean
  /** Time a client has to send its headers and body before a 408 (default 30 s). */
  requestTimeoutMs?: number
}

export interface RunningServer {
  /** Where to reach it, e.g. `http://127.0.0.1:3000` (a wildcard bind is reached through loopback). */
  url: string
  port: number
  handler: PluginHandler
  /** Stops accepting requests, unloads every plugin and closes the database. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Opens the database, builds the handler (logging as `API > PluginHandler`), installs the examples on
 * first start, loads every plugin and serves the API. A plugin that fails to load is logged and left
 * out; the server still starts. Anything that fails before the server listens is undone.
 *
 * @example
 * const server = await startServer({ dbPath: "data/dockstat.db", port: 3000 })
 * await fetch(`${server.url}/api/v2/plugins`)
 * await server.close()
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(options.logLevel ?? "info")
  const log = logger.child({ name: "API" })
  const hostname = options.hostname ?? "127.0.0.1"

  const db = new DB(options.dbPath)
  let handler: PluginHandler | undefined
  try {
    const install = { allowPrivateNetwork: options.allowPrivateNetwork ?? true }
    handler = new PluginHandler(db, ["API"], { logger, install, ...(options.docker === false ? {} : { docker: options.docker ?? {} }) })
    if (options.installExamples !== false) {
      const seeded = installExamplePlugins(handler)
      if (seeded.installed.length > 0) log.info({ plugins: seeded.installed }, "installed the example plugins")
      for (const failure of seeded.failed) log.error({ plugin: failure.name, err: failure.message }, "could not install an example plugin")
    }
    // Loads every plugin, calls their onBoot hooks and connects to Docker.
    const loaded = await handler.start()
    for (const failure of loaded.errors) log.error({ pluginId: failure.pluginId, err: failure.error }, "plugin not loaded; the server starts without it")
    log.info({ loaded: loaded.successes, failed: loaded.errors.length, disabled: (loaded.skipped ?? []).map((skip) => skip.pluginId) }, "plugins loaded")

    const app = createApp(handler, { logger: log, accessLog: options.accessLog ?? true })
    const listening = await listen(app.fetch, options.port, hostname, options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs })
    const url = `http://${reachableHost(hostname)}:${listening.port}`
    log.info({ url, db: db.path }, "listening")

    const running = handler
    let closing: Promise<void> | undefined
    return {
      url,
      port: listening.port,
      handler: running,
      close() {
        closing ??= (async () => {
          try {
            await listening.close()
          } finally {
            await running.close()
            db.close()
            log.info("stopped")
          }
        })()
        return closing
      },
    }
  } catch (error) {
    await handler?.close()
    db.close()
    throw error
  }
}

/** A wildcard bind is reached through loopback; an IPv6 literal needs brackets in a URL. */
function reachableHost(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "") return "127.0.0.1"
  if (hostname === "::") return "[::1]"
  return hostname.includes(":") ? `[${hostname}]` : hostname
}
