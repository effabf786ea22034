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

type LogMethod = "trace" | "debug" | "info" | "warn" | "error" | "fatal"

/**
 * A plugin's logger: a pino child of the base logger with the plugin's bindings, made on its first line.
 * A start builds one per plugin, and pino's `child()` serializes the bindings at once (~10 us each, 1000
 * times), while most plugins log nothing at start. Lines go out exactly as the child's would.
 */
export class PluginLogger {
  readonly #base: PinoLogger
  readonly #bindings: Record<string, unknown>
  #pino: PinoLogger | undefined

  constructor(base: PinoLogger, bindings: Record<string, unknown>) {
    this.#base = base
    this.#bindings = bindings
  }

  /** The pino child itself (made now if it was not yet). */
  get pino(): PinoLogger {
    this.#pino ??= this.#base.child(this.#bindings)
    return this.#pino
  }

  /** pino's level number: the worker runtime drops calls below it before they cross the thread. */
  get levelVal(): number {
    return this.#pino?.levelVal ?? this.#base.levelVal
  }

  child(bindings: Record<string, unknown>): PinoLogger {
    return this.pino.child(bindings)
  }

  trace(...args: unknown[]): void {
    this.#log("trace", args)
  }

  debug(...args: unknown[]): void {
    this.#log("debug", args)
  }

  info(...args: unknown[]): void {
    this.#log("info", args)
  }

  warn(...args: unknown[]): void {
    this.#log("warn", args)
  }

  error(...args: unknown[]): void {
    this.#log("error", args)
  }

  fatal(...args: unknown[]): void {
    this.#log("fatal", args)
  }

  #log(level: LogMethod, args: unknown[]): void {
    // Below the level nothing is made: the base logger answers what its child would.
    if (this.#pino === undefined && !this.#base.isLevelEnabled(level)) return
    const pino = this.pino
    pino[level](...(args as Parameters<PinoLogger["info"]>))
  }
}
