import { describe, expect, it } from "vitest"

import type { HookName, PluginInstance } from "@dockstat/plugin-schema"

import { dispatchEvent } from "./dispatch.ts"

/** An instance with the synchronous path (as the inline runtime has it); runHook must not be called then. */
function syncInstance(id: number, hook: (payload: Record<string, unknown>) => Promise<void> | undefined): PluginInstance & { asyncCalls: number } {
  const instance = {
    id,
    name: `p${id}`,
    version: "1",
    runtime: "inline" as const,
    routes: [],
    hooks: ["onBoot"] as HookName[],
    table: null,
    logger: console as never,
    loadedAt: new Date(),
    asyncCalls: 0,
    runRoute: async () => undefined,
    runHook: async () => {
      instance.asyncCalls += 1
    },
    runHookNow: (_hook: HookName, payload: Record<string, unknown>) => hook(payload),
    dispose: async () => {},
  }
  return instance
}

describe("dispatchEvent with runHookNow", () => {
  it("settles hooks that ran synchronously, awaits the ones that returned a Promise, and reports both like runHook", async () => {
    const seen: unknown[] = []
    const instances = [
      syncInstance(1, (payload) => {
        seen.push(payload)
        return undefined
      }),
      syncInstance(2, () => {
        throw new Error("sync kaput")
      }),
      syncInstance(3, () => Promise.reject(new Error("async kaput"))),
      syncInstance(4, () => new Promise((resolve) => setTimeout(resolve, 20))),
      syncInstance(5, () => new Promise(() => {})),
    ]
    const report = await dispatchEvent(instances, "onBoot", { n: 1 }, { timeoutMs: 300 })
    expect(seen).toEqual([{ n: 1 }])
    expect(report.results).toEqual([
      expect.objectContaining({ pluginId: 1, status: "ok" }),
      expect.objectContaining({ pluginId: 2, status: "error", message: "sync kaput" }),
      expect.objectContaining({ pluginId: 3, status: "error", message: "async kaput" }),
      expect.objectContaining({ pluginId: 4, status: "ok" }),
      expect.objectContaining({ pluginId: 5, status: "timeout" }),
    ])
    expect(instances.map((instance) => instance.asyncCalls)).toEqual([0, 0, 0, 0, 0])
  })
})

describe("dispatchEvent timing", () => {
  const busy = (ms: number) => {
    const end = performance.now() + ms
    while (performance.now() < end) {
      // hold the thread, as a slow synchronous hook does
    }
    return undefined
  }

  it("times each synchronous hook on its own by default, and reports how long the calls held the loop", async () => {
    const instances = [syncInstance(1, () => busy(15)), syncInstance(2, () => undefined), syncInstance(3, () => busy(15))]
    const report = await dispatchEvent(instances, "onBoot", {})
    const [first, second, third] = report.results.map((result) => result.ms)
    expect(first).toBeGreaterThanOrEqual(15)
    expect(third as number).toBeGreaterThanOrEqual((second as number) + 15)
    expect(report.syncMs).toBeGreaterThanOrEqual(third as number)
  })

  it("with stampEachHook false, synchronous hooks share one reading (syncMs); failures and Promises keep their own", async () => {
    const instances = [
      syncInstance(1, () => busy(15)),
      syncInstance(2, () => {
        throw new Error("kaput")
      }),
      syncInstance(3, () => busy(15)),
      syncInstance(4, () => new Promise((resolve) => setTimeout(resolve, 30))),
    ]
    const report = await dispatchEvent(instances, "onBoot", {}, { stampEachHook: false })
    const [first, failed, third, later] = report.results
    expect(report.syncMs).toBeGreaterThanOrEqual(30)
    expect(first?.ms).toBe(report.syncMs)
    expect(third?.ms).toBe(report.syncMs)
    expect(failed).toMatchObject({ status: "error" })
    expect(failed?.ms).toBeGreaterThanOrEqual(15)
    expect(failed?.ms).toBeLessThan(report.syncMs)
    expect(later).toMatchObject({ status: "ok" })
    expect(later?.ms).toBeGreaterThan(report.syncMs)
  })
})
