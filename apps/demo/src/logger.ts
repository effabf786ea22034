import { pino } from "pino"
import { PinoPretty } from "pino-pretty"

import type { DestinationStream, LevelWithSilent, Logger } from "pino"

export interface LoggerOptions {
  /**
   * Human-readable lines (pino-pretty, colored) instead of JSON. Default: when stdout is a terminal, so
   * a person running `pnpm start` reads prose and a log collector reading a pipe gets JSON.
   */
  pretty?: boolean
}

/**
 * The process's one pino logger. The handler names its children `API > PluginHandler > <plugin>`, so
 * every line of the server, the handler and each plugin goes to one destination with one level.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream, options: LoggerOptions = {}): Logger {
  const config = { level, base: { pid: process.pid } }
  if (destination !== undefined) return pino(config, destination)
  if (options.pretty ?? process.stdout.isTTY === true) {
    return pino(config, PinoPretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", sync: true }))
  }
  return pino(config)
}

/**
 * A logger for the CLI: stderr, so stdout holds only the command's output, and synchronous, so a line
 * logged just before `process.exit` is not lost.
 */
export function createStderrLogger(level: LevelWithSilent): Logger {
  return createLogger(level, pino.destination({ fd: 2, sync: true }))
}
