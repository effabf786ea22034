import type { HookName, PluginFrontendConfig, PluginRef, RouteDescriptor, RouteInput, TableConfig } from "@dockstat/plugin-schema"

import type { Shape } from "./module-shape.ts"
import type { SerializedError } from "./runtime-core.ts"

/** What a plugin worker is started with (structured-cloned into `workerData`). */
export interface WorkerData {
  /** The module's source with its imports already rewritten by the host (SDK -> the bundle's SDK). */
  source: string
  /** The source without the `column` import the host added, for code that declares its own `column`. */
  fallbackSource: string | null
  ref: PluginRef
  dbPath: string
  /** pino level number below which the worker drops log calls without building them. */
  logLevel: number
  /** Index of the running action, written by the worker, read by the host on a timeout. */
  progress: SharedArrayBuffer
  /** Refused built-ins (module-policy.ts) the admin granted this plugin. */
  grantModules: string[]
  /** The SDK's URL, where a computed `import()` of an SDK specifier goes. */
  sdkUrl: string
  /** The libsql entry, loaded synchronously by the worker (native addons are refused to plugin code). */
  libsqlPath: string
}

/** Plain data about the module, sent once it imported and validated. */
export interface ModuleSummary {
  routes: RouteDescriptor[]
  hooks: HookName[]
  table: TableConfig | null
  /** The module's `config.frontend` (validated JSON), for the host only: never sent to the worker. */
  frontend: PluginFrontendConfig | null
}

/** An error as plain data across the thread boundary (the runtime core's shape). */
export type { SerializedError } from "./runtime-core.ts"

export type HostMessage =
  /** The module checked out: open the table (when `table`) and serve these routes. */
  | { type: "start"; routes: RouteDescriptor[]; table: TableConfig | null }
  | { type: "route"; id: number; key: string; input: RouteInput }
  | { type: "hook"; id: number; hook: HookName; payload: Record<string, unknown> }
  /** Calls sent in one event-loop turn, in order: one message (one wake-up of the thread) for all. */
  | { type: "batch"; calls: CallMessage[] }

/** A route or hook call. */
export type CallMessage = Extract<HostMessage, { id: number }>

/** The answer to one call. */
export type ResultMessage =
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: SerializedError }

export type WorkerMessage =
  | { type: "imported"; shape: Shape }
  | { type: "ready" }
  | { type: "load-error"; message: string }
  | ResultMessage
  /** The answers a batch had at once (calls that went async answer on their own later). */
  | { type: "results"; results: ResultMessage[] }
  | { type: "log"; level: LogLevelName; args: unknown[] }

/** Arguments of one log call that cross to the host; the worker drops the rest, the host refuses more. */
export const MAX_LOG_ARGS = 32

export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const
export type LogLevelName = keyof typeof LOG_LEVELS

