import { afterEach, describe, expect, it } from "vitest"
import { isPluginError } from "@dockstat/plugin-schema"

import { DB } from "./db.ts"
import { createEventCursors } from "./event-cursors.ts"
import { createHostSettings } from "./host-settings.ts"
import { createLeases } from "./leases.ts"
import { useTempDbPath } from "./test-helpers.ts"

const tempDb = useTempDbPath()
const open: DB[] = []
afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

function twoConnections() {
  const path = tempDb()
  const first = new DB(path, { key: "b".repeat(64) })
  const second = new DB(path, { key: "b".repeat(64) })
  open.push(first, second)
  return { first, second }
}

describe("leases", () => {
  it("give a name to one holder until it expires; the holder renews, another takes over only after expiry", () => {
    const { first, second } = twoConnections()
    const a = createLeases(first)
    const b = createLeases(second)
    const t0 = 1_000_000
    expect(a.acquire("docker:x", "A", 3000, t0)).toBe(true)
    expect(b.acquire("docker:x", "B", 3000, t0 + 100)).toBe(false)
    expect(a.acquire("docker:x", "A", 3000, t0 + 1000)).toBe(true) // renewed: now until t0 + 4000
    expect(b.acquire("docker:x", "B", 3000, t0 + 3500)).toBe(false)
    expect(b.holder("docker:x", t0 + 3500)).toEqual({ holder: "A", expiresAt: t0 + 4000 })
    expect(b.acquire("docker:x", "B", 3000, t0 + 4000)).toBe(true)
    expect(a.acquire("docker:x", "A", 3000, t0 + 4100)).toBe(false)
    // Another name is another lease.
    expect(a.acquire("docker:y", "A", 3000, t0 + 4100)).toBe(true)
  })

  it("can be released, so another holder need not wait for the expiry", () => {
    const { first, second } = twoConnections()
    const a = createLeases(first)
    expect(a.acquire("docker:x", "A", 60_000)).toBe(true)
    createLeases(second).release("docker:x", "B") // not B's: nothing happens
    expect(createLeases(second).acquire("docker:x", "B", 60_000)).toBe(false)
    a.release("docker:x", "A")
    expect(createLeases(second).holder("docker:x")).toBeUndefined()
    expect(createLeases(second).acquire("docker:x", "B", 60_000)).toBe(true)
  })

  it("throw DATABASE_BUSY, not 'database is locked', while another connection keeps the write lock", () => {
    const { first, second } = twoConnections()
    second.client.exec("BEGIN IMMEDIATE")
    try {
      let error: unknown
      try {
        createLeases(first).acquire("docker:x", "A", 3000)
      } catch (caught) {
        error = caught
      }
      expect(isPluginError(error) && error.code).toBe("DATABASE_BUSY")
      expect((error as Error).message).toMatch(/^Lease "docker:x": the database is busy/)
    } finally {
      second.client.exec("ROLLBACK")
    }
  })
})

describe("event cursors", () => {
  it("are written only by the lease holder, and read back exactly (nanoseconds as digits)", () => {
    const { first, second } = twoConnections()
    createLeases(first).acquire("docker:x", "A", 60_000)
    const cursors = createEventCursors(first)
    const position = 1_700_000_000_123_456_789n
    expect(cursors.write("docker:x", { position, keys: ["k1", "k2"] }, { name: "docker:x", holder: "A" })).toBe(true)
    expect(createEventCursors(second).write("docker:x", { position: position + 5n, keys: [] }, { name: "docker:x", holder: "B" })).toBe(false)
    expect(createEventCursors(second).read("docker:x")).toEqual({ position, keys: ["k1", "k2"] })
    expect(cursors.read("docker:other")).toBeUndefined()
  })
})

describe("host settings claim", () => {
  it("runs the work once: the first connection records the key with its writes, the next finds it", () => {
    const { first, second } = twoConnections()
    let runs = 0
    const work = () => {
      runs += 1
      return "done"
    }
    expect(createHostSettings(first).claim("examples", "now", work)).toEqual({ claimed: true, result: "done" })
    expect(createHostSettings(second).claim("examples", "later", work)).toEqual({ claimed: false })
    expect(runs).toBe(1)
    expect(createHostSettings(second).get("examples")).toBe("now")
  })

  it("records nothing when the work throws, so the next start tries again", () => {
    const { first } = twoConnections()
    const settings = createHostSettings(first)
    expect(() =>
      settings.claim("examples", "now", () => {
        first.query("INSERT INTO host_settings (key, value) VALUES ('side', 'effect')").run()
        throw new Error("boom")
      }),
    ).toThrow("boom")
    expect(settings.get("examples")).toBeUndefined()
    expect(settings.get("side")).toBeUndefined()
  })
})
