import { errorMessage } from "@dockstat/plugin-schema"

import type { HookName, HookShare, PluginInstance } from "@dockstat/plugin-schema"

export type HookOutcome =
  | { pluginId: number; plugin: string; status: "ok"; ms: number }
  | { pluginId: number; plugin: string; status: "error"; message: string; ms: number }
  | { pluginId: number; plugin: string; status: "timeout"; message: string; ms: number }

export interface DispatchReport {
  event: HookName
  /** One entry per loaded plugin that has the hook; plugins without it are not called. */
  results: HookOutcome[]
  /**
   * How long the calls themselves took, one after another, in ms: the time the event loop was held by
   * hooks running synchronously (and by the synchronous start of those that returned a Promise).
   */
  syncMs: number
}

export interface DispatchOptions {
  /** Per plugin call; a slower hook is reported as timeout and no longer awaited (default 5000 ms). */
  timeoutMs?: number | undefined
  /**
   * Read the clock after every hook that answers synchronously, so its `ms` says when it finished
   * (default true). false: those hooks share one reading taken after the last call (`ms` = `syncMs`),
   * and a dispatch to many plugins reads the clock twice instead of once per plugin (a clock read costs
   * as much as the rest of dispatching one synchronous hook). Failures are stamped one by one either way.
   */
  stampEachHook?: boolean
}

/**
 * Calls `hook` on every instance that has it, concurrently, each with its own timeout: one slow or
 * failing plugin neither delays nor breaks the others, and the report says what each one did.
 *
 * Hooks that answer synchronously (inline ones mostly do, through `runHookNow`) are settled as they
 * return; only when some hook returned a Promise is there a deadline timer and a wait. An emit to plugins
 * that all answered at once costs one resolved Promise, no timer.
 */
export function dispatchEvent(
  instances: Iterable<PluginInstance>,
  hook: HookName,
  payload: Record<string, unknown>,
  options: DispatchOptions = {},
): Promise<DispatchReport> {
  const started = performance.now()
  const stampEach = options.stampEachHook !== false
  const results: (HookOutcome | undefined)[] = []
  /** Synchronous ok outcomes waiting for the one clock reading (stampEachHook false). */
  let unstamped: { ms: number }[] | undefined
  let waiting: Waiting[] | undefined
  // What runtimes derive from the payload once for all plugins of this dispatch (HookShare).
  const share: HookShare = {}
  for (const instance of instances) {
    if (!instance.hooks.includes(hook)) continue
    let call: Promise<void> | undefined
    try {
      call = instance.runHookNow ? instance.runHookNow(hook, payload, share) : instance.runHook(hook, payload)
    } catch (error) {
      results.push(errorOutcome(instance, error, performance.now() - started))
      continue
    }
    if (call === undefined) {
      const outcome = okOutcome(instance, stampEach ? performance.now() - started : 0)
      if (!stampEach) (unstamped ??= []).push(outcome)
      results.push(outcome)
      continue
    }
    ;(waiting ??= []).push({ index: results.length, instance, call })
    results.push(undefined)
  }
  const syncMs = performance.now() - started
  if (unstamped !== undefined) for (const outcome of unstamped) outcome.ms = syncMs
  if (waiting === undefined) return Promise.resolve({ event: hook, results: results as HookOutcome[], syncMs })
  return settleWaiting(hook, results, waiting, started, options.timeoutMs ?? 5000, syncMs)
}

interface Waiting {
  index: number
  instance: PluginInstance
  call: Promise<void>
}

const okOutcome = (instance: PluginInstance, ms: number): HookOutcome => ({ pluginId: instance.id, plugin: instance.name, status: "ok", ms })

const errorOutcome = (instance: PluginInstance, error: unknown, ms: number): HookOutcome => ({
  pluginId: instance.id,
  plugin: instance.name,
  status: "error",
  message: errorMessage(error),
  ms,
})

/** Waits for the hooks that returned a Promise, up to one deadline for them all (they all started at once). */
function settleWaiting(
  hook: HookName,
  results: (HookOutcome | undefined)[],
  waiting: Waiting[],
  started: number,
  timeoutMs: number,
  syncMs: number,
): Promise<DispatchReport> {
  return new Promise<DispatchReport>((resolve) => {
    let pending = waiting.length
    const finish = () => {
      clearTimeout(timer)
      const elapsed = performance.now() - started
      for (const { index, instance } of waiting) {
        results[index] ??= {
          pluginId: instance.id,
          plugin: instance.name,
          status: "timeout",
          message: `Hook "${hook}" of plugin "${instance.name}" did not finish within ${timeoutMs} ms`,
          ms: elapsed,
        }
      }
      resolve({ event: hook, results: results as HookOutcome[], syncMs })
    }
    const timer = setTimeout(finish, timeoutMs)
    timer.unref?.()
    const settle = (index: number, outcome: HookOutcome) => {
      if (pending === 0 || results[index] !== undefined) return
      results[index] = outcome
      pending -= 1
      if (pending === 0) finish()
    }
    for (const { index, instance, call } of waiting) {
      call.then(
        () => settle(index, okOutcome(instance, performance.now() - started)),
        (error: unknown) => settle(index, errorOutcome(instance, error, performance.now() - started)),
      )
    }
  })
}
