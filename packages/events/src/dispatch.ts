import { errorMessage } from "@dockstat/plugin-schema"

import type { HookName, PluginInstance } from "@dockstat/plugin-schema"

export type HookOutcome =
  | { pluginId: number; plugin: string; status: "ok"; ms: number }
  | { pluginId: number; plugin: string; status: "error"; message: string; ms: number }
  | { pluginId: number; plugin: string; status: "timeout"; message: string; ms: number }

export interface DispatchReport {
  event: HookName
  /** One entry per loaded plugin that has the hook; plugins without it are not called. */
  results: HookOutcome[]
}

export interface DispatchOptions {
  /** Per plugin call; a slower hook is reported as timeout and no longer awaited (default 5000 ms). */
  timeoutMs?: number
}

/**
 * Calls `hook` on every instance that has it, concurrently, each with its own timeout: one slow or
 * failing plugin neither delays nor breaks the others, and the report says what each one did.
 */
export function dispatchEvent(
  instances: Iterable<PluginInstance>,
  hook: HookName,
  payload: Record<string, unknown>,
  options: DispatchOptions = {},
): Promise<DispatchReport> {
  const timeoutMs = options.timeoutMs ?? 5000
  const targets: PluginInstance[] = []
  for (const instance of instances) if (instance.hooks.includes(hook)) targets.push(instance)
  if (targets.length === 0) return Promise.resolve({ event: hook, results: [] })

  const started = performance.now()
  const results: (HookOutcome | undefined)[] = targets.map(() => undefined)
  return new Promise<DispatchReport>((resolve) => {
    let pending = targets.length
    const finish = () => {
      clearTimeout(timer)
      const elapsed = performance.now() - started
      resolve({
        event: hook,
        results: results.map(
          (result, index) =>
            result ?? {
              pluginId: (targets[index] as PluginInstance).id,
              plugin: (targets[index] as PluginInstance).name,
              status: "timeout" as const,
              message: `Hook "${hook}" of plugin "${(targets[index] as PluginInstance).name}" did not finish within ${timeoutMs} ms`,
              ms: elapsed,
            },
        ),
      })
    }
    // One deadline for the whole dispatch, not a timer per plugin: the calls all start now.
    const timer = setTimeout(finish, timeoutMs)
    timer.unref?.()
    const settle = (index: number, outcome: HookOutcome) => {
      if (pending === 0 || results[index] !== undefined) return
      results[index] = outcome
      pending -= 1
      if (pending === 0) finish()
    }
    targets.forEach((instance, index) => {
      let call: Promise<void> | undefined
      try {
        // A hook that ran synchronously (inline) is settled here: no Promise per plugin.
        call = instance.runHookNow ? instance.runHookNow(hook, payload) : instance.runHook(hook, payload)
      } catch (error) {
        call = Promise.reject(error)
      }
      if (call === undefined) {
        settle(index, { pluginId: instance.id, plugin: instance.name, status: "ok", ms: performance.now() - started })
        return
      }
      call.then(
        () => settle(index, { pluginId: instance.id, plugin: instance.name, status: "ok", ms: performance.now() - started }),
        (error: unknown) => settle(index, { pluginId: instance.id, plugin: instance.name, status: "error", message: errorMessage(error), ms: performance.now() - started }),
      )
    })
  })
}
