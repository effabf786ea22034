import { pino } from "pino"

import type { Logger as PinoLogger, LevelWithSilent } from "pino"

export type { PinoLogger }

/**
 * The base logger of a handler. Names are hierarchical (`API > PluginHandler > my-plugin`), carried as a
 * `name` binding on children of one base logger, so every plugin shares one destination.
 */
export function createBaseLogger(level?: LevelWithSilent): PinoLogger {
  return pino({ level: level ?? (process.env.LOG_LEVEL as LevelWithSilent | undefined) ?? "info", base: { pid: process.pid } })
}

export function loggerName(parents: readonly string[], ...names: string[]): string {
  return [...parents, ...names].join(" > ")
}
