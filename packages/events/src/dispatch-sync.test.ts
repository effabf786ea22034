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
