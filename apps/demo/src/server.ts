import PluginHandler, { DB } from "@dockstat/plugin-handler"

import type { DockerOptions } from "@dockstat/plugin-handler"

import type { LevelWithSilent, Logger } from "pino"

import { createAdmin } from "./admin/index.ts"
import type { Admin, AdminOptions } from "./admin/index.ts"
import { createApp } from "./app.ts"
import { ConfigError } from "./config.ts"
import type { DemoConfig } from "./config.ts"
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
  /**
   * The admin page's access rules and live log limits. `token` (DOCKSTAT_ADMIN_TOKEN) guards everything
   * but /health; `allowedHosts` defaults to the loopback names when bound to loopback (see defaultAllowedHosts).
   */
  admin?: AdminOptions
  /** `dbPath` is an embedded replica of this libSQL server (sqld, Turso): see docs/deploy/multi-host.md. */
  replica?: { syncUrl: string; authToken?: string; syncPeriod?: number }
}

export interface RunningServer {
  /** Where to reach it, e.g. `http://127.0.0.1:3000` (a wildcard bind is reached through loopback). */
  url: string
  port: number
  handler: PluginHandler
  /** The admin page: its live log hub (`admin.hub.stats()`) and access rules. */
  admin: Admin
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

  let db: DB
  try {
    db = new DB(options.dbPath, options.replica ?? {})
  } catch (error) {
    // A bad replica setting or an unreachable primary is the operator's to fix: said without a stack.
    if (options.replica === undefined) throw error
    throw new ConfigError(error instanceof Error ? error.message : String(error))
  }
  let handler: PluginHandler | undefined
  let admin: Admin | undefined
  try {
    const install = { allowPrivateNetwork: options.allowPrivateNetwork ?? true }
    handler = new PluginHandler(db, ["API"], { logger, install, ...(options.docker === false ? {} : { docker: options.docker ?? {} }) })
    // Listening from the start: the page's live log shows the first loads.
    admin = createAdmin(handler, { allowedHosts: defaultAllowedHosts(hostname), ...options.admin })
    if (options.installExamples !== false) {
      const seeded = await installExamplePlugins(handler)
      if (seeded.installed.length > 0) log.info({ plugins: seeded.installed }, "installed the example plugins")
      for (const failure of seeded.failed) log.error({ plugin: failure.name, err: failure.message }, "could not install an example plugin")
    }
    // Loads every plugin, calls their onBoot hooks and connects to Docker.
    const loaded = await handler.start()
    for (const failure of loaded.errors) log.error({ pluginId: failure.pluginId, err: failure.error }, "plugin not loaded; the server starts without it")
    log.info({ loaded: loaded.successes, failed: loaded.errors.length, disabled: (loaded.skipped ?? []).map((skip) => skip.pluginId) }, "plugins loaded")

    const app = createApp(handler, { logger: log, accessLog: options.accessLog ?? true, admin })
    const listening = await listen(app.fetch, options.port, hostname, options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs })
    const url = `http://${reachableHost(hostname)}:${listening.port}`
    log.info({ url, db: db.path }, "listening")
    if (defaultAllowedHosts(hostname) === undefined && options.admin?.token === undefined) {
      // Bound wide with no token: whoever reaches the port installs and runs code, and with no Host list a
      // web page can reach it through a DNS name rebound to this machine.
      log.warn({ host: hostname }, "listening beyond loopback without DOCKSTAT_ADMIN_TOKEN: anyone who reaches this port can install and run plugins; set a token (and DOCKSTAT_ALLOWED_HOSTS)")
    }

    const running = handler
    const page = admin
    let closing: Promise<void> | undefined
    return {
      url,
      port: listening.port,
      handler: running,
      admin: page,
      close() {
        closing ??= (async () => {
          try {
            // Live log streams end first, or the server would wait for them.
            page.close()
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
    admin?.close()
    await handler?.close()
    db.close()
    throw error
  }
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1"]

/**
 * The server options the environment's settings ask for (`loadConfig()`): what `pnpm start` serves, and
 * `dockstat-plugins dev` too, so a dev server honours the admin token, allowed hosts, replica and Docker
 * hosts just the same.
 */
export function serverOptionsFromConfig(config: DemoConfig): StartServerOptions {
  const options: StartServerOptions = {
    dbPath: config.dbPath,
    port: config.port,
    hostname: config.hostname,
    logLevel: config.logLevel,
    allowPrivateNetwork: config.allowPrivateNetwork,
    accessLog: config.accessLog,
    admin: {
      token: config.adminToken,
      // DOCKSTAT_ALLOWED_HOSTS adds names: to the loopback ones, which are always the machine itself (a
      // container's health check on localhost), also when bound wide, where no list means any Host.
      allowedHosts: config.allowedHosts === undefined ? defaultAllowedHosts(config.hostname) : [...new Set([...(defaultAllowedHosts(config.hostname) ?? LOOPBACK_NAMES), ...config.allowedHosts])],
    },
  }
  if (config.replica !== undefined) options.replica = config.replica
  if (!config.dockerEvents) options.docker = false
  else if (config.dockerHosts !== undefined) options.docker = { hosts: config.dockerHosts }
  return options
}

/**
 * The Host names served when nothing else is configured: bound to loopback, only loopback names (a web
 * page's DNS name rebound to 127.0.0.1 gets 421); bound wider, any name (a reverse proxy's, the LAN's).
 */
export function defaultAllowedHosts(hostname: string): string[] | undefined {
  const bound = hostname.replace(/^\[|\]$/g, "").toLowerCase()
  return LOOPBACK_NAMES.includes(bound) || bound.startsWith("127.") ? [...new Set([...LOOPBACK_NAMES, bound])] : undefined
}

/** A wildcard bind is reached through loopback; an IPv6 literal needs brackets in a URL. */
function reachableHost(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "") return "127.0.0.1"
  if (hostname === "::") return "[::1]"
  return hostname.includes(":") ? `[${hostname}]` : hostname
}
