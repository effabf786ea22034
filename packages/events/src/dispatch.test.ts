import { describe, expect, it } from "vitest"

import type { HookName, PluginInstance } from "@dockstat/plugin-schema"

import { dispatchEvent } from "./dispatch.ts"

function instance(id: number, hooks: Partial<Record<HookName, (payload: Record<string, unknown>) => Promise<void> | void>>): PluginInstance {
  return {
    id,
    name: `p${id}`,
    version: "1",
    runtime: "inline",
    routes: [],
    hooks: Object.keys(hooks) as HookName[],
    table: null,
    logger: console as never,
    loadedAt: new Date(),
    runRoute: async () => undefined,
    runHook: async (hook, payload) => {
      await hooks[hook]?.(payload)
    },
    dispose: async () => {},
  }
}

describe("dispatchEvent", () => {
  it("calls every plugin that has the hook with the payload and reports ok", async () => {
    const seen: unknown[] = []
    const report = await dispatchEvent(
      [instance(1, { onContainerStart: (payload) => void seen.push(payload) }), instance(2, { onContainerStop: () => {} })],
      "onContainerStart",
      { container: { id: "abc" } },
    )
    expect(seen).toEqual([{ container: { id: "abc" } }])
    expect(report.results.map((result) => [result.pluginId, result.status])).toEqual([[1, "ok"]])
  })

  it("isolates a throwing and a slow plugin from the others", async () => {
    const order: number[] = []
    const report = await dispatchEvent(
      [
        instance(1, { onBoot: () => new Promise(() => {}) }),
        instance(2, {
          onBoot: () => {
            throw new Error("kaput")
          },
        }),
        instance(3, { onBoot: () => void order.push(3) }),
      ],
      "onBoot",
      {},
      { timeoutMs: 200 },
    )
    expect(order).toEqual([3])
    expect(report.results).toEqual([
      expect.objectContaining({ pluginId: 1, status: "timeout", message: expect.stringMatching(/did not finish within 200 ms/) }),
      expect.objectContaining({ pluginId: 2, status: "error", message: "kaput" }),
      expect.objectContaining({ pluginId: 3, status: "ok" }),
    ])
  })

  it("runs hooks concurrently, not one after another", async () => {
    let running = 0
    let peak = 0
    const slow = () =>
      new Promise<void>((resolve) => {
        running += 1
        peak = Math.max(peak, running)
        setTimeout(() => {
          running -= 1
          resolve()
        }, 50)
      })
    await dispatchEvent([instance(1, { onBoot: slow }), instance(2, { onBoot: slow }), instance(3, { onBoot: slow })], "onBoot", {})
    expect(peak).toBe(3)
  })
})
