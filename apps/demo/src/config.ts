import { isAbsolute, resolve } from "node:path"
import { fileURLToPath } from "node:url"

import { parseDockerHostList } from "@dockstat/plugin-handler"

import type { DockerHostConfig } from "@dockstat/plugin-handler"
import type { LevelWithSilent } from "pino"

import { MIN_TOKEN_LENGTH } from "./admin/session.ts"

/** The apps/demo folder, wherever the process was started from. */
export const DEMO_ROOT = fileURLToPath(new URL("..", import.meta.url))

/** `data/dockstat.db` of apps/demo: the same file for `pnpm start` and `dockstat-plugins` from any directory. */
export const DEFAULT_DB_PATH = resolve(DEMO_ROOT, "data", "dockstat.db")

const LOG_LEVELS: readonly LevelWithSilent[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"]

export interface DemoConfig {
  port: number
  hostname: string
  dbPath: string
  logLevel: LevelWithSilent
  /** DOCKSTAT_DOCKER_EVENTS=off turns the Docker event source off (DOCKER_HOST says where the engine is). */
  dockerEvents: boolean
  /**
   * DOCKSTAT_DOCKER_HOSTS: several engines, as `id=name=address,...` or a JSON array of `{ id, name, host }`;
   * when unset, DOCKER_HOST (else /var/run/docker.sock) is the one host, with id 1.
   */
  dockerHosts?: DockerHostConfig[]
  /** DOCKSTAT_ALLOW_PRIVATE_NETWORK=0 stops installs from loopback and private networks (default allowed). */
  allowPrivateNetwork: boolean
  /** DOCKSTAT_ACCESS_LOG=off turns off the info line per request. */
  accessLog: boolean
  /** DOCKSTAT_ADMIN_TOKEN: set, the page and the API need it (at least MIN_TOKEN_LENGTH characters). */
  adminToken: string | undefined
  /** DOCKSTAT_ALLOWED_HOSTS: more Host names to serve (comma-separated), besides the loopback names when bound to loopback. */
  allowedHosts: string[] | undefined
  /**
   * DOCKSTAT_DB_SYNC_URL (with DOCKSTAT_DB_AUTH_TOKEN, DOCKSTAT_DB_SYNC_PERIOD seconds): DOCKSTAT_DB is an
   * embedded replica of that libSQL server (see docs/deploy/multi-host.md).
   */
  replica?: { syncUrl: string; authToken?: string; syncPeriod?: number }
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "ConfigError"
  }
}

/**
 * Reads PORT, HOST, DOCKSTAT_DB and LOG_LEVEL. HOST defaults to 127.0.0.1 because the API installs and
 * runs code without authentication; bind it to 0.0.0.0 on purpose (in a container, behind a proxy).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const dockerHosts = readDockerHosts(env.DOCKSTAT_DOCKER_HOSTS)
  return {
    ...(dockerHosts === undefined ? {} : { dockerHosts }),
    port: readPort(env.PORT),
    hostname: env.HOST?.trim() || "127.0.0.1",
    dbPath: readDbPath(env),
    logLevel: readLogLevel(env.LOG_LEVEL, "info"),
    dockerEvents: !["off", "false", "0", "no"].includes(env.DOCKSTAT_DOCKER_EVENTS?.trim().toLowerCase() ?? ""),
    allowPrivateNetwork: readAllowPrivateNetwork(env),
    accessLog: !["off", "false", "0", "no"].includes(env.DOCKSTAT_ACCESS_LOG?.trim().toLowerCase() ?? ""),
    adminToken: readAdminToken(env.DOCKSTAT_ADMIN_TOKEN),
    allowedHosts: readAllowedHosts(env.DOCKSTAT_ALLOWED_HOSTS),
    ...readReplica(env),
  }
}

/** The admin token, or undefined when unset or empty; a short one is refused (it could be guessed). */
export function readAdminToken(value: string | undefined): string | undefined {
  const token = value?.trim()
  if (!token) return undefined
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(`DOCKSTAT_ADMIN_TOKEN must have at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32), got ${token.length}`)
  }
  return token
}

export function readAllowedHosts(value: string | undefined): string[] | undefined {
  const names = (value ?? "")
    .split(",")
    .map((name) => name.trim().replace(/^\[|\]$/g, "").toLowerCase())
    .filter((name) => name !== "")
  return names.length === 0 ? undefined : names
}

/** DOCKSTAT_DB_SYNC_URL, DOCKSTAT_DB_AUTH_TOKEN and DOCKSTAT_DB_SYNC_PERIOD; the DB checks the URL and token itself. */
function readReplica(env: NodeJS.ProcessEnv): Pick<DemoConfig, "replica"> {
  const syncUrl = env.DOCKSTAT_DB_SYNC_URL?.trim()
  const authToken = env.DOCKSTAT_DB_AUTH_TOKEN?.trim()
  const period = env.DOCKSTAT_DB_SYNC_PERIOD?.trim()
  if (!syncUrl) {
    if (authToken || period) throw new ConfigError("DOCKSTAT_DB_AUTH_TOKEN and DOCKSTAT_DB_SYNC_PERIOD need DOCKSTAT_DB_SYNC_URL (the libSQL server the database replicates)")
    return {}
  }
  const syncPeriod = period ? Number(period) : undefined
  if (syncPeriod !== undefined && !(Number.isFinite(syncPeriod) && syncPeriod >= 0)) {
    throw new ConfigError(`DOCKSTAT_DB_SYNC_PERIOD must be a number of seconds (0 or more), got ${JSON.stringify(period)}`)
  }
  return { replica: { syncUrl, ...(authToken ? { authToken } : {}), ...(syncPeriod === undefined ? {} : { syncPeriod }) } }
}

/**
 * Whether installs may fetch from loopback and private networks: yes unless DOCKSTAT_ALLOW_PRIVATE_NETWORK
 * is 0, off, false or no. The demo serves a local user, whose catalog may live on the LAN.
 */
export function readAllowPrivateNetwork(env: NodeJS.ProcessEnv = process.env): boolean {
  return !["off", "false", "0", "no"].includes(env.DOCKSTAT_ALLOW_PRIVATE_NETWORK?.trim().toLowerCase() ?? "")
}

/**
 * The database file. A relative DOCKSTAT_DB is taken from where the user ran pnpm (`INIT_CWD`), not
 * from apps/demo, where pnpm runs the script.
 */
export function readDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.DOCKSTAT_DB?.trim()
  if (!value) return DEFAULT_DB_PATH
  if (value === ":memory:" || isAbsolute(value)) return value
  return resolve(invocationDir(env), value)
}

/** The directory the user ran the command in: pnpm scripts run in the package folder, INIT_CWD says where from. */
export function invocationDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD?.trim() || process.cwd()
}

export function readLogLevel(value: string | undefined, fallback: LevelWithSilent): LevelWithSilent {
  const level = value?.trim().toLowerCase()
  if (!level) return fallback
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LevelWithSilent
  throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(value)}`)
}

/** DOCKSTAT_DOCKER_HOSTS, or undefined when unset or blank; a bad list is refused naming the entry. */
export function readDockerHosts(value: string | undefined): DockerHostConfig[] | undefined {
  if (value === undefined || value.trim() === "") return undefined
  try {
    return parseDockerHostList(value, "DOCKSTAT_DOCKER_HOSTS")
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
}

function readPort(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 3000
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(value)}`)
  }
  return port
}
