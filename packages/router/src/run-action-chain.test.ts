import { PluginError, isPluginError } from "@dockstat/plugin-schema"
import type { Action, ActionContext, Logger } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { runActionChain, runActionChainNow } from "./run-action-chain.ts"
import type { RunActionChainOptions } from "./run-action-chain.ts"

const noop = (): void => {}
const logger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop }

const context: Omit<ActionContext, "previousAction" | "env"> = {
  logger,
  table: null,
  body: { name: "x" },
  params: { id: "7" },
  query: { q: "1" },
  headers: { "content-type": "application/json" },
  method: "POST",
  path: "/items/7",
  plugin: { id: 3, name: "demo-plugin", version: "1.0.0" },
}

/** Action `a` records its context and rewrites its path; `b` records its own. */
function tamperingActions(): { contexts: ActionContext[]; actions: Record<string, Action> } {
  const contexts: ActionContext[] = []
  const actions: Record<string, Action> = {
    a: (ctx) => {
      contexts.push(ctx)
      ;(ctx as { path: string }).path = "/tampered"
      return 1
    },
    b: (ctx) => void contexts.push(ctx),
  }
  return { contexts, actions }
}

/** A context as the runtimes build one for a call (`fresh`): ActionContext's keys in ActionContext's order. */
function fresh(): RunActionChainOptions["context"] {
  const { logger: log, table, body, ...rest } = context
  return { logger: log, table, body, previousAction: undefined, ...rest, env: {} }
}

async function failure(actions: Record<string, Action>, names: string[]): Promise<PluginError> {
  try {
    await runActionChain({ actions, names, context })
  } catch (error) {
    if (isPluginError(error)) return error
    throw error
  }
  throw new Error("expected the chain to fail")
}

describe("runActionChain", () => {
  it("passes each result to the next action and returns the last", async () => {
    const seen: unknown[] = []
    const actions: Record<string, Action> = {
      validate: ({ body, previousAction }) => {
        seen.push(previousAction)
        return { valid: true, data: body }
      },
      transform: ({ previousAction }) => {
        seen.push(previousAction)
        return { ...(previousAction as object), upper: true }
      },
      save: ({ previousAction }) => {
        seen.push(previousAction)
        return { success: (previousAction as { valid?: unknown }).valid === true }
      },
    }
    const result = await runActionChain({ actions, names: ["validate", "transform", "save"], context })
    expect(result).toEqual({ success: true })
    expect(seen).toEqual([undefined, { valid: true, data: { name: "x" } }, { valid: true, data: { name: "x" }, upper: true }])
  })

  it("awaits async actions, so previousAction is never a Promise", async () => {
    const seen: unknown[] = []
    const actions: Record<string, Action> = {
      slow: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        return 1
      },
      nested: async ({ previousAction }) => {
        seen.push(previousAction)
        return Promise.resolve((previousAction as number) + 1)
      },
      sync: ({ previousAction }) => {
        seen.push(previousAction)
        return (previousAction as number) * 10
      },
    }
    expect(await runActionChain({ actions, names: ["slow", "nested", "sync"], context })).toBe(20)
    expect(seen).toEqual([1, 2])
    expect(seen.some((value) => value instanceof Promise)).toBe(false)
  })

  it("awaits a thenable that is not a native Promise", async () => {
    const actions: Record<string, Action> = {
      thenable: () => ({ then: (resolve: (value: number) => void) => resolve(42) }),
      next: ({ previousAction }) => previousAction,
    }
    expect(await runActionChain({ actions, names: ["thenable", "next"], context })).toBe(42)
  })

  it("runs the actions strictly one after another", async () => {
    const order: string[] = []
    const step = (name: string, delay: number): Action => async () => {
      order.push(`${name}:start`)
      await new Promise((resolve) => setTimeout(resolve, delay))
      order.push(`${name}:end`)
    }
    await runActionChain({ actions: { a: step("a", 15), b: step("b", 1) }, names: ["a", "b"], context })
    expect(order).toEqual(["a:start", "a:end", "b:start", "b:end"])
  })

  it("gives actions the request context: body, params, query, headers, method, path, plugin, logger, table, env", async () => {
    let received: ActionContext | undefined
    await runActionChain({ actions: { look: (ctx) => void (received = ctx) }, names: ["look"], context })
    expect(received).toEqual({ ...context, previousAction: undefined, env: {} })
    expect(received?.logger).toBe(logger)
    const env = { API_TOKEN: "t" }
    await runActionChain({ actions: { look: (ctx) => void (received = ctx) }, names: ["look"], context: { ...context, env } })
    expect(received?.env).toBe(env)
  })

  it("gives every action its own context object", async () => {
    const { contexts, actions } = tamperingActions()
    await runActionChain({ actions, names: ["a", "b"], context })
    expect(contexts[0]).not.toBe(contexts[1])
    expect(contexts[1]?.path).toBe("/items/7")
  })

  it("hands a lone action the caller's fresh context as it is, and copies it otherwise", () => {
    const { contexts: seen, actions } = tamperingActions()
    const own = fresh()
    runActionChainNow({ actions, names: ["a"], context: own, fresh: true })
    expect(seen[0]).toBe(own)
    // Same keys in the same order as the copy the chain makes: the action's code sees one shape.
    const copied = fresh()
    runActionChainNow({ actions, names: ["a"], context: copied })
    expect(seen[1]).not.toBe(copied)
    expect(Object.keys(seen[1] as object)).toEqual(Object.keys(own))
    // Two actions: each gets its own copy, and the first cannot change what the second sees.
    const chained = fresh()
    runActionChainNow({ actions, names: ["a", "b"], context: chained, fresh: true })
    expect(seen[2]).not.toBe(chained)
    expect(seen[3]?.path).toBe("/items/7")
  })

  it("names the plugin it was called for in an action's error, whatever a lone action does to its context", async () => {
    const impostor = { id: 1, name: "admin-core", version: "9" }
    const actions: Record<string, Action> = {
      sync: (ctx) => {
        ;(ctx as { plugin: unknown }).plugin = impostor
        throw new Error("boom")
      },
      async: async (ctx) => {
        ;(ctx as { plugin: unknown }).plugin = null
        throw new Error("later")
      },
    }
    expect(() => runActionChainNow({ actions, names: ["sync"], context: fresh(), fresh: true })).toThrow(/^Action "sync" of plugin "demo-plugin" failed: boom$/)
    await expect(runActionChainNow({ actions, names: ["async"], context: fresh(), fresh: true }) as Promise<unknown>).rejects.toMatchObject({
      code: "ACTION_FAILED",
      message: 'Action "async" of plugin "demo-plugin" failed: later',
      pluginId: 3,
      plugin: "demo-plugin",
      action: "async",
    })
  })

  it("returns undefined for an empty chain", async () => {
    expect(await runActionChain({ actions: {}, names: [], context })).toBeUndefined()
  })

  it("wraps a throwing action in ACTION_FAILED naming the plugin and the action, keeping the cause", async () => {
    const cause = new Error("disk on fire")
    const error = await failure({ ok: () => 1, boom: () => { throw cause } }, ["ok", "boom"])
    expect(error.code).toBe("ACTION_FAILED")
    expect(error.status).toBe(500)
    expect(error.message).toBe('Action "boom" of plugin "demo-plugin" failed: disk on fire')
    expect(error.plugin).toBe("demo-plugin")
    expect(error.pluginId).toBe(3)
    expect(error.action).toBe("boom")
    expect(error.cause).toBe(cause)
  })

  it("wraps a rejecting async action the same way", async () => {
    const error = await failure({ later: async () => Promise.reject(new TypeError("nope")) }, ["later"])
    expect(error.code).toBe("ACTION_FAILED")
    expect(error.message).toBe('Action "later" of plugin "demo-plugin" failed: nope')
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it("wraps a thrown non-Error value with its text", async () => {
    const error = await failure({ odd: () => { throw "plain string" } }, ["odd"])
    expect(error.message).toBe('Action "odd" of plugin "demo-plugin" failed: plain string')
    expect(error.cause).toBe("plain string")
  })

  it("stops at the failing action", async () => {
    let ranAfter = false
    await failure({ boom: () => { throw new Error("x") }, after: () => void (ranAfter = true) }, ["boom", "after"])
    expect(ranAfter).toBe(false)
  })

  it("keeps the code of a PluginError thrown by an action and fills in plugin and action", async () => {
    const original = new PluginError("TABLE_ERROR", "Unknown column \"nope\"", { data: { column: "nope" } })
    const error = await failure({ query: () => { throw original } }, ["query"])
    expect(error.code).toBe("TABLE_ERROR")
    expect(error.message).toBe('Action "query" of plugin "demo-plugin" failed: Unknown column "nope"')
    expect(error.plugin).toBe("demo-plugin")
    expect(error.pluginId).toBe(3)
    expect(error.action).toBe("query")
    expect(error.data).toEqual({ column: "nope" })
    expect(error.cause).toBe(original)
  })

  it("keeps a client error from an action as it is (e.g. a 400 the action decided on)", async () => {
    const error = await failure(
      { check: async () => { throw new PluginError("BAD_REQUEST", "name is required", { headers: { "x-why": "name" } }) } },
      ["check"],
    )
    expect(error.status).toBe(400)
    expect(error.headers).toEqual({ "x-why": "name" })
    expect(error.action).toBe("check")
  })

  it("passes on a PluginError that already names its plugin and action unchanged", async () => {
    const original = new PluginError("ACTION_TIMEOUT", "too slow", { pluginId: 9, plugin: "other", action: "inner" })
    expect(await failure({ outer: () => Promise.reject(original) }, ["outer"])).toBe(original)
  })

  it("refuses a missing action with ACTION_FAILED saying so", async () => {
    const error = await failure({ a: () => 1 }, ["a", "ghost"])
    expect(error.code).toBe("ACTION_FAILED")
    expect(error.message).toBe('Action "ghost" of plugin "demo-plugin" is not defined')
    expect(error.action).toBe("ghost")
    expect(error.plugin).toBe("demo-plugin")
  })

  it("does not take inherited properties for actions", async () => {
    expect((await failure({}, ["toString"])).message).toContain("is not defined")
    expect((await failure({ x: "not a function" as unknown as Action }, ["x"])).message).toContain("is not defined")
  })
})

describe("runActionChainNow", () => {
  const base = {
    logger: console as never,
    table: null,
    body: undefined,
    params: {},
    query: {},
    headers: {},
    method: "GET" as const,
    path: "/x",
    plugin: { id: 1, name: "p", version: "1" },
  }

  it("answers synchronously while every action returns a plain value", () => {
    const result = runActionChainNow({ actions: { a: () => 1, b: ({ previousAction }) => (previousAction as number) + 1 }, names: ["a", "b"], context: base })
    expect(result).toBe(2)
  })

  it("continues asynchronously from the first action that returns a promise", async () => {
    const seen: unknown[] = []
    const result = runActionChainNow({
      actions: {
        a: async () => 1,
        b: ({ previousAction }) => {
          seen.push(previousAction)
          return "done"
        },
      },
      names: ["a", "b"],
      context: base,
    })
    expect(result).toBeInstanceOf(Promise)
    expect(await result).toBe("done")
    expect(seen).toEqual([1])
  })

  it("throws a synchronous action error synchronously, wrapped with plugin and action", () => {
    expect(() =>
      runActionChainNow({
        actions: {
          a: () => {
            throw new Error("sync boom")
          },
        },
        names: ["a"],
        context: base,
      }),
    ).toThrow('Action "a" of plugin "p" failed: sync boom')
  })
})
