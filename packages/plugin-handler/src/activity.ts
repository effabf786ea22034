import { describePermissions } from "@dockstat/plugin-schema"

import type { HookName, PluginPermissions, RuntimeKind } from "@dockstat/plugin-schema"

import type { PinoLogger } from "./logger.ts"
import type { InstallFailureKind } from "./results.ts"

interface PluginRef {
  pluginId: number
  plugin: string
}

/**
 * What happened in the handler, as `onActivity` listeners hear it. One kind per thing the handler logs:
 * a version starting or stopping to serve, an admin's change (activate, deactivate, install, update,
 * delete), an event delivered to plugin hooks, and every plugin failure (an action, a hook, a crash).
 */
export type ActivityInput =
  | (PluginRef & { kind: "load"; version: string; runtime: RuntimeKind; ms: number })
  | (PluginRef & { kind: "load-failed"; error: string })
  | (PluginRef & { kind: "unload" })
  | (PluginRef & { kind: "activate" })
  | (PluginRef & { kind: "deactivate" })
  | (PluginRef & { kind: "install"; version: string; source: string })
  | { kind: "install-failed"; source: string; update: boolean; failure: InstallFailureKind; error: string }
  | (PluginRef & { kind: "update"; from: string; to: string; addedPermissions: PluginPermissions | null })
  | { kind: "update-failed"; pluginId: number | null; plugin: string; failure: InstallFailureKind | null; error: string }
  | (PluginRef & { kind: "delete"; droppedTable: boolean })
  | { kind: "event"; hook: HookName; source: "docker" | "emit"; subject: string | null; delivered: number; failed: number }
  | (PluginRef & { kind: "hook-failed"; hook: HookName; status: "error" | "timeout"; error: string })
  | (PluginRef & { kind: "action-failed"; route: string; action: string | null; status: number; error: string })
  | (PluginRef & { kind: "crash"; state: "restarting" | "failed"; reason: string; restarts: number })

/** An activity as delivered: numbered in the order it happened (per handler), timestamped, with a one-line message. */
export type Activity = ActivityInput & {
  /** 1, 2, 3, ... per handler: a listener that missed some can tell. */
  seq: number
  /** ISO time. */
  at: string
  /** One line for people: `example-plugin (id 1) loaded: 1.0.0 in the sandbox runtime`. */
  message: string
}

export type ActivityKind = Activity["kind"]

/** Heard by `handler.onActivity(listener)`. Runs synchronously where the handler logs; it must be quick. */
export type ActivityListener = (activity: Activity) => void

/** `onActivity` returns this: call it to stop listening. */
export type Unsubscribe = () => void

/**
 * The handler's activity feed: a typed subscription beside the log. With no listener `active` is false,
 * and the handler builds no activity at all on its hot paths (each site checks `active` first).
 * A listener that throws is logged and kept; it never breaks what the handler was doing.
 */
export class ActivityFeed {
  #listeners: readonly ActivityListener[] = []
  #seq = 0
  readonly #logger: PinoLogger

  constructor(logger: PinoLogger) {
    this.#logger = logger
  }

  /** Whether anyone listens: sites on hot paths check this before building an activity. */
  get active(): boolean {
    return this.#listeners.length > 0
  }

  subscribe(listener: ActivityListener): Unsubscribe {
    if (typeof listener !== "function") throw new TypeError(`onActivity needs a function, got ${typeof listener}`)
    // A new array each time: a listener (un)subscribing while an activity is delivered does not disturb it.
    this.#listeners = [...this.#listeners, listener]
    let subscribed = true
    return () => {
      if (!subscribed) return
      subscribed = false
      this.#listeners = this.#listeners.filter((candidate) => candidate !== listener)
    }
  }

  publish(input: ActivityInput): void {
    const listeners = this.#listeners
    if (listeners.length === 0) return
    this.#seq += 1
    const activity = { ...input, seq: this.#seq, at: new Date().toISOString(), message: describeActivity(input) } as Activity
    for (const listener of listeners) {
      try {
        listener(activity)
      } catch (error) {
        this.#logger.warn({ err: error instanceof Error ? error.message : String(error), kind: input.kind }, "an activity listener threw; it stays subscribed")
      }
    }
  }
}

const who = (ref: PluginRef) => `${ref.plugin} (id ${ref.pluginId})`

/** The activity's one-line message. */
export function describeActivity(input: ActivityInput): string {
  switch (input.kind) {
    case "load":
      return `${who(input)} loaded: ${input.version} in the ${input.runtime} runtime (${Math.round(input.ms)} ms)`
    case "load-failed":
      return `${who(input)} failed to load: ${input.error}`
    case "unload":
      return `${who(input)} unloaded`
    case "activate":
      return `${who(input)} activated`
    case "deactivate":
      return `${who(input)} deactivated`
    case "install":
      return `${who(input)} installed: ${input.version} from ${input.source}`
    case "install-failed":
      return `${input.update ? "Update" : "Install"} from ${input.source} failed (${input.failure}): ${input.error}`
    case "update": {
      const asks = input.addedPermissions ? `; new permissions: ${describePermissions(input.addedPermissions)}` : ""
      return `${who(input)} updated from ${input.from} to ${input.to}${asks}`
    }
    case "update-failed":
      return `Update of ${input.pluginId === null ? input.plugin : who({ pluginId: input.pluginId, plugin: input.plugin })} failed: ${input.error}`
    case "delete":
      return `${who(input)} deleted${input.droppedTable ? " with its table" : " (its table is kept)"}`
    case "event":
      return `${input.hook}${input.subject ? ` (${input.subject})` : ""} from ${input.source} delivered to ${input.delivered} plugin${input.delivered === 1 ? "" : "s"}${input.failed > 0 ? `, ${input.failed} failed` : ""}`
    case "hook-failed":
      return `${who(input)}: hook ${input.hook} ${input.status === "timeout" ? "timed out" : "failed"}: ${input.error}`
    case "action-failed":
      return `${who(input)}: route ${input.route}${input.action ? ` (action ${input.action})` : ""} failed with ${input.status}: ${input.error}`
    case "crash":
      return `${who(input)} crashed (${input.reason}); ${input.state === "failed" ? "marked failed until reloaded" : "it restarts on its next call"}`
  }
}
