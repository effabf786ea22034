import type { DB, PluginRegistry } from "@dockstat/plugin-store"

import type { ActivityFeed } from "./activity.ts"
import type { LoadedSet } from "./loaded-set.ts"
import type { Lifecycle } from "./lifecycle.ts"
import type { LoadOptionsFor } from "./load-options.ts"
import type { PinoLogger } from "./logger.ts"
import type { PluginQueue } from "./plugin-queue.ts"

/**
 * What one handler is made of, made once by the `PluginHandler` facade and passed to the flows (install,
 * update) that need several of them: a scoped context instead of reaching into the facade's fields.
 */
export interface HandlerParts {
  db: DB
  registry: PluginRegistry
  loaded: LoadedSet
  queue: PluginQueue
  lifecycle: Lifecycle
  /** The handler's own logger (`… > PluginHandler`). */
  logger: PinoLogger
  loadOptions: LoadOptionsFor
  /** What `onActivity` listeners hear, fed where the flows log. */
  activity: ActivityFeed
}
