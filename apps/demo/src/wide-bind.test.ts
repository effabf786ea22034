/**
 * Bound beyond loopback without an admin token, the server says at start that anyone who reaches the
 * port can install and run plugins.
 */
import { pino } from "pino"
import { afterEach, describe, expect, it } from "vitest"

import { startServer } from "./server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

import type { RunningServer } from "./server.ts"

const temp = createTempDir()
const servers: RunningServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

async function warningsOf(admin?: { token: string }): Promise<string[]> {
  const lines: { level: number; msg: string }[] = []
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  const options = { dbPath: temp.file(`${servers.length}.db`), port: 0, hostname: "0.0.0.0", installExamples: false, docker: false as const, logger }
  servers.push(await startServer(admin === undefined ? options : { ...options, admin }))
  return lines.filter((line) => line.level === 40).map((line) => line.msg)
}

describe("a wide bind", () => {
  it("warns when there is no admin token, and not with one", async () => {
    expect(await warningsOf()).toEqual([expect.stringContaining("without DOCKSTAT_ADMIN_TOKEN")])
    expect(await warningsOf({ token: "correct-horse-battery-staple" })).toEqual([])
  })
})
