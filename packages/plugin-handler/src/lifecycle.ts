import { errorMessage } from "@dockstat/plugin-schema"
import { dispatchEvent } from "@dockstat/plugin-events"

import type { HookName, PluginInstance } from "@dockstat/plugin-schema"
import type { DispatchReport, HookOutcome } from "@dockstat/plugin-events"

import type { ActivityFeed } from "./activity.ts"
import type { PinoLogger } from "./logger.ts"

/** Synchronous hooks of one emit running at least this long (ms) are worth a warning: nothing else ran meanwhile. */
export const SLOW_SYNC_MS = 20

/**
 * How the handler calls plugin hooks: lifecycle hooks one plugin at a time, events to all of them, both
 * with the hook timeout. A failing hook is logged and counted, never thrown: a plugin's own hook cannot
 * undo what the host already did. Stopping a plugin runs its last hooks, then releases its runtime.
 */
export class Lifecycle {
  readonly #logger: PinoLogger
  /** Read at every call, as the handler's options are. */
  readonly #options: { hookTimeoutMs?: number }
  /** Per plugin id, its hook failures (kept across reloads and updates, dropped on delete). */
  readonly #failures = new Map<number, { count: number; last: string }>()
  readonly #activity: ActivityFeed
  /**
   * Events whose synchronous hooks once held the event loop for SLOW_SYNC_MS or more: from then on each
   * of their hooks is timed on its own, so the warning can name the plugin. Others are timed together
   * (one clock read per emit instead of one per plugin: most of what an emit to many plugins costs).
   */
  readonly #timedEachHook = new Set<HookName>()

  constructor(logger: PinoLogger, options: { hookTimeoutMs?: number }, activity: ActivityFeed) {
    this.#logger = logger
    this.#options = options
    this.#activity = activity
  }

  /** Calls `event` on every instance concurrently, each with the timeout; says what each one did. */
  emit(instances: Iterable<PluginInstance>, event: HookName, payload: Record<string, unknown>): Promise<DispatchReport> {
    const stampEachHook = this.#timedEachHook.has(event)
    // No spread here: on Node 20 each property written after one takes V8's slow path, on every emit.
    return dispatchEvent(instances, event, payload, { timeoutMs: this.#options.hookTimeoutMs, stampEachHook }).then((report) => {
      if (report.syncMs >= SLOW_SYNC_MS) this.#slowSyncRun(report, stampEachHook)
      return this.#report(report)
    })
  }

  /** One warn line per emit whose hooks held the event loop too long; names the slowest hook once each is timed. */
  #slowSyncRun(report: DispatchReport, timedEach: boolean): void {
    const ms = Math.round(report.syncMs)
    if (!timedEach) {
      this.#timedEachHook.add(report.event)
      this.#logger.warn({ hook: report.event, ms, plugins: report.results.length }, "plugin hooks held the event loop; each hook of this event is timed from the next one on, to name the slow plugin")
      return
    }
    // Stamps of synchronous hooks are cumulative, in call order: each one's own time is the step from the one before.
    let slowest: { outcome: HookOutcome; ms: number } | undefined
    let previous = 0
    for (const outcome of report.results) {
      if (outcome.ms > report.syncMs) continue // settled later, asynchronously
      const own = outcome.ms - previous
      previous = outcome.ms
      if (slowest === undefined || own > slowest.ms) slowest = { outcome, ms: own }
    }
    this.#logger.warn(
      { hook: report.event, ms, pluginId: slowest?.outcome.pluginId, plugin: slowest?.outcome.plugin, pluginMs: slowest === undefined ? undefined : Math.round(slowest.ms) },
      "plugin hooks held the event loop; the slowest ran synchronously (inline plugins block the host while they run)",
    )
  }

  /** Calls one lifecycle hook of one plugin (if it has it), with the plugin's own id, name and version in the payload. */
  async call(instance: PluginInstance, hook: HookName, payload: Record<string, unknown> = {}): Promise<void> {
    if (!instance.hooks.includes(hook)) return
    const report = await dispatchEvent([instance], hook, { plugin: { id: instance.id, name: instance.name, version: instance.version }, ...payload }, this.#dispatchOptions())
    this.#report(report)
  }

  /** Stops a plugin that served: its last hooks (onUnload, and onUninstall on delete) run first. */
  async dispose(instance: PluginInstance, hooks: HookName[] = ["onUnload"]): Promise<void> {
    for (const hook of hooks) await this.call(instance, hook)
    try {
      await instance.dispose()
    } catch (error) {
      this.#logger.error({ pluginId: instance.id, plugin: instance.name, err: errorMessage(error) }, "plugin unload failed")
    }
  }

  /** Plugin `id`'s hook failures so far, for its status. */
  failures(id: number): { count: number; last: string } | undefined {
    return this.#failures.get(id)
  }

  /** Drops a deleted plugin's count: a new install starts from zero. */
  forget(id: number): void {
    this.#failures.delete(id)
  }

  /** One warn line per failing hook call (plugin name and id, hook, status, message), counted in its status. */
  #report(report: DispatchReport): DispatchReport {
    for (const outcome of report.results) {
      if (outcome.status === "ok") continue
      this.#count(outcome)
      this.#logger.warn({ pluginId: outcome.pluginId, plugin: outcome.plugin, hook: report.event, status: outcome.status, err: outcome.message, ms: Math.round(outcome.ms) }, "plugin hook failed")
      this.#activity.publish({ kind: "hook-failed", pluginId: outcome.pluginId, plugin: outcome.plugin, hook: report.event, status: outcome.status, error: outcome.message })
    }
    return report
  }

  #count(outcome: Exclude<HookOutcome, { status: "ok" }>): void {
    const stats = this.#failures.get(outcome.pluginId) ?? { count: 0, last: "" }
    stats.count += 1
    stats.last = outcome.message
    this.#failures.set(outcome.pluginId, stats)
  }

  #dispatchOptions() {
    return this.#options.hookTimeoutMs === undefined ? {} : { timeoutMs: this.#options.hookTimeoutMs }
  }
}
