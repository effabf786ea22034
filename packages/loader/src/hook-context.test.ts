/**
 * The hook contexts the runtimes build without object spreads (callHook's fast path, and callHookShared
 * for a dispatch to many plugins) against the plain spread they replace: same keys in the same order,
 * same values, a fresh object per call.
 */
import { describe, expect, it } from "vitest"
import { hookSubject, isUpstreamHookName } from "@dockstat/plugin-schema"

import type { HookName, HookShare, Logger, ServerContext } from "@dockstat/plugin-schema"

import { callHook, callHookShared } from "./runtime-core.ts"
import type { InlineServer } from "./runtime-core.ts"

/** What a hook's context was defined as: the spread. */
function reference(hook: HookName, payload: Record<string, unknown>, server: ServerContext): unknown {
  const { logger: _logger, table: _table, env: _env, ...context } = payload
  if (isUpstreamHookName(hook)) return context
  const key = hookSubject(hook)
  const subject = key === undefined ? undefined : payload[key]
  const fields = subject !== null && typeof subject === "object" && !Array.isArray(subject) ? subject : undefined
  return { ...fields, ...context, ...server }
}

const symbol = Symbol("s")
const server: InlineServer = { logger: { info() {} } as unknown as Logger, table: null, env: Object.freeze({ A: "1" }) }

const payloads: [string, HookName, () => Record<string | symbol, unknown>][] = [
  ["a seed hook with a subject", "onContainerStart", () => ({ container: { id: "c1", name: "web", labels: {} } })],
  ["a seed hook whose subject has a logger field", "onContainerStart", () => ({ container: { id: "c1", logger: "field" }, n: 1 })],
  ["a seed hook without a subject", "onBoot", () => ({ n: 1, list: [1, 2] })],
  ["an upstream hook", "container:started", () => ({ hostId: 1, containerId: "c1", containerInfo: { id: "c1" } })],
  ["symbol keys", "onContainerStart", () => ({ container: { id: "c1" }, [symbol]: 2 })],
  ["the seed's own logger and table in the payload", "onContainerStart", () => ({ container: { id: "c1" }, logger: "theirs", table: "t" })],
  ["an env in the payload (never the plugin's)", "container:started", () => ({ containerId: "c1", env: { SECRET: "x" } })],
  ["a __proto__ own key in the payload", "onContainerStart", () => JSON.parse('{"__proto__": {"polluted": true}, "container": {"id": "c1"}}')],
  ["a __proto__ own key in the subject", "onContainerStart", () => JSON.parse('{"container": {"__proto__": {"polluted": true}, "id": "c1"}}')],
]

function captured(run: (handler: (context: unknown, server: unknown) => void) => void): { context: Record<string | symbol, unknown>; server: unknown } {
  let seen: { context: Record<string | symbol, unknown>; server: unknown } | undefined
  run((context, second) => {
    seen = { context: context as Record<string | symbol, unknown>, server: second }
  })
  if (seen === undefined) throw new Error("the hook was not called")
  return seen
}

function expectSameContext(actual: Record<string | symbol, unknown>, expected: Record<string | symbol, unknown>): void {
  expect(Reflect.ownKeys(actual)).toEqual(Reflect.ownKeys(expected))
  for (const key of Reflect.ownKeys(expected)) expect(actual[key]).toBe(expected[key])
  expect(Object.getPrototypeOf(actual)).toBe(Object.prototype)
  expect((actual as { polluted?: unknown }).polluted).toBeUndefined()
}

describe("hook contexts", () => {
  it.each(payloads)("callHook gives what the spread gives: %s", (_, hook, make) => {
    const payload = make() as Record<string, unknown>
    const { context, server: second } = captured((handler) => callHook(handler, hook, payload, server))
    expectSameContext(context, reference(hook, payload, server) as Record<string | symbol, unknown>)
    expect(second).toBe(server)
  })

  it.each(payloads)("callHookShared gives the same, a fresh object to each plugin of one dispatch: %s", (_, hook, make) => {
    const payload = make() as Record<string, unknown>
    const share: HookShare = {}
    const first = captured((handler) => callHookShared(handler, hook, payload, server, share))
    // The first plugin changes its context: the next one of the same dispatch must not see it.
    first.context.mutated = true
    const otherServer: InlineServer = { logger: server.logger, table: null, env: Object.freeze({ B: "2" }) }
    const second = captured((handler) => callHookShared(handler, hook, payload, otherServer, share))
    expect(second.context).not.toBe(first.context)
    expectSameContext(first.context, { ...(reference(hook, payload, server) as object), mutated: true } as Record<string | symbol, unknown>)
    expectSameContext(second.context, reference(hook, payload, otherServer) as Record<string | symbol, unknown>)
    expect(second.server).toBe(otherServer)
  })

  it("a new dispatch (a new share) sees a payload changed since the last one", () => {
    const payload: Record<string, unknown> = { container: { id: "c1" } }
    const before = captured((handler) => callHookShared(handler, "onContainerStart", payload, server, {}))
    payload.container = { id: "c2" }
    payload.extra = 1
    const after = captured((handler) => callHookShared(handler, "onContainerStart", payload, server, {}))
    expect(before.context.id).toBe("c1")
    expect(after.context.id).toBe("c2")
    expect(after.context.extra).toBe(1)
  })
})
