/**
 * A plugin's logger (logger.ts): its pino child is made on the first line it writes, not at load, and
 * the lines are the child's own.
 */
import { Writable } from "node:stream"
import { pino } from "pino"
import { describe, expect, it } from "vitest"

import { PluginLogger } from "./logger.ts"

function capture(level: pino.LevelWithSilent) {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  const base = pino({ level, base: null }, stream)
  let children = 0
  const child = base.child
  // Counts the real child() calls (children inherit this, so it keeps their `this`); lines still go through pino.
  base.child = function (this: typeof base, ...args: Parameters<typeof base.child>) {
    children++
    return child.apply(this, args)
  } as typeof base.child
  return { base, lines, children: () => children }
}

describe("PluginLogger", () => {
  it("makes no pino child until a line is written, and writes the child's lines with the plugin's bindings", () => {
    const { base, lines, children } = capture("info")
    const logger = new PluginLogger(base, { name: "API > PluginHandler > p", pluginId: 7 })
    expect(children()).toBe(0)
    expect(logger.levelVal).toBe(base.levelVal)
    logger.debug("below the level")
    expect(children()).toBe(0)
    logger.info({ n: 1 }, "hello %s", "there")
    logger.warn("second")
    expect(children()).toBe(1)
    expect(lines.map(({ time: _time, ...line }) => line)).toEqual([
      { level: 30, name: "API > PluginHandler > p", pluginId: 7, n: 1, msg: "hello there" },
      { level: 40, name: "API > PluginHandler > p", pluginId: 7, msg: "second" },
    ])
  })

  it("gives a child of its own with more bindings, and every level method", () => {
    const { base, lines } = capture("trace")
    const logger = new PluginLogger(base, { name: "p" })
    logger.child({ request: "r1" }).info("from the child")
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal"] as const) logger[level](level)
    expect(lines[0]).toMatchObject({ name: "p", request: "r1", msg: "from the child" })
    expect(lines.slice(1).map((line) => [line.level, line.msg])).toEqual([
      [10, "trace"],
      [20, "debug"],
      [30, "info"],
      [40, "warn"],
      [50, "error"],
      [60, "fatal"],
    ])
  })
})
