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
export async function dispatchEvent(
  instances: Iterable<PluginInstance>,
  hook: HookName,
  payload: Record<string, unknown>,
  options: DispatchOptions = {},
): Promise<DispatchReport> {
  const timeoutMs = options.timeoutMs ?? 5000
  const calls: Promise<HookOutcome>[] = []
  for (const instance of instances) {
    if (!instance.hooks.includes(hook)) continue
    calls.push(callHook(instance, hook, payload, timeoutMs))
  }
  return { event: hook, results: await Promise.all(calls) }
}

function callHook(instance: PluginInstance, hook: HookName, payload: Record<string, unknown>, timeoutMs: number): Promise<HookOutcome> {
  const started = performance.now()
  const base = { pluginId: instance.id, plugin: instance.name }
  return new Promise<HookOutcome>((resolve) => {
    const timer = setTimeout(() => {
      resolve({ ...base, status: "timeout", message: `Hook "${hook}" of plugin "${instance.name}" did not finish within ${timeoutMs} ms`, ms: performance.now() - started })
    }, timeoutMs)
    timer.unref?.()
    let call: Promise<void>
    try {
      call = instance.runHook(hook, payload)
    } catch (error) {
      call = Promise.reject(error)
    }
    call.then(
      () => {
        clearTimeout(timer)
        resolve({ ...base, status: "ok", ms: performance.now() - started })
      },
      (error: unknown) => {
        clearTimeout(timer)
        resolve({ ...base, status: "error", message: errorMessage(error), ms: performance.now() - started })
      },
    )
  })
}
