/**
 * The demo as an embedded replica of a libSQL server (DOCKSTAT_DB_SYNC_URL): no sqld runs here, so this
 * covers what fails before one is needed (see docs/deploy/multi-host.md for what is not tested).
 */
import { describe, expect, it } from "vitest"

import { ConfigError } from "./config.ts"
import { startServer } from "./server.ts"
import { closedPortUrl } from "./test-support/static-server.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

describe("the demo server as an embedded replica", () => {
  it("does not start when its primary is unreachable, and says which primary, without the token", async () => {
    const temp = createTempDir()
    try {
      const primary = (await closedPortUrl("/")).replace(/\/$/, "")
      const started = startServer({ dbPath: temp.file("replica.db"), port: 0, logLevel: "silent", docker: false, replica: { syncUrl: primary, authToken: "demo-token-not-a-secret" } })
      const error = await started.then(
        () => undefined,
        (reason: unknown) => reason as Error,
      )
      expect(error).toBeInstanceOf(ConfigError)
      expect(error?.message).toMatch(new RegExp(`^Could not open .*replica\\.db as an embedded replica of ${primary}: `))
      expect(error?.message).not.toContain("demo-token-not-a-secret")
    } finally {
      temp.remove()
    }
  })

  it("refuses a sync URL it cannot use before opening anything", async () => {
    const temp = createTempDir()
    try {
      await expect(startServer({ dbPath: temp.file("replica.db"), port: 0, logLevel: "silent", docker: false, replica: { syncUrl: "ftp://sqld:8080" } })).rejects.toThrow(/syncUrl must be a libsql:\/\/, https:\/\/ or http:\/\/ URL/)
    } finally {
      temp.remove()
    }
  })
})
