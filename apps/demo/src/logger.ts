import { pino } from "pino"

import type { DestinationStream, LevelWithSilent, Logger } from "pino"

/**
 * The process's one pino logger. The handler names its children `API > PluginHandler > <plugin>`, so
 * every line of the server, the handler and each plugin goes to one destination with one level.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = { level, base: { pid: process.pid } }
  return destination === undefined ? pino(options) : pino(options, destination)
}

/**
 * A logger for the CLI: stderr, so stdout holds only the command's output, and synchronous, so a line
 * logged just before `process.exit` is not lost.
 */
export function createStderrLogger(level: LevelWithSilent): Logger {
  return createLogger(level, pino.destination({ fd: 2, sync: true }))
}
