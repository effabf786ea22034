import { PluginError, errorMessage, isPluginError, isThenable } from "@dockstat/plugin-schema"
import type { Action, ActionContext, PluginErrorDetails, PluginRef } from "@dockstat/plugin-schema"

const NO_ENV: ActionContext["env"] = Object.freeze({})

/** What `runActionChain` needs: the plugin's actions, the route's action names, and the request context. */
export interface RunActionChainOptions {
  actions: Record<string, Action>
  names: readonly string[]
  context: Omit<ActionContext, "previousAction" | "env"> & { env?: ActionContext["env"]; previousAction?: undefined }
  /** Called with the index of each action before it runs (the worker runtime reports it on a timeout). */
  onAction?: (index: number) => void
  /** Or: set to the index of each action before it runs (no callback per request: the inline runtime). */
  progress?: { index: number }
  /**
   * `context` was made for this call alone and is a whole ActionContext, its keys in ActionContext's
   * order (`previousAction: undefined`, `env` set): a chain of one action gets it as it is instead of a
   * copy. In the sandbox's interpreter the copy of an 11-key object is ~1.5 us of a request.
   */
  fresh?: boolean
}

/**
 * Runs a route's actions in order. Each one is awaited before the next starts, so `previousAction` is
 * always a value, never a Promise; the first gets `undefined`. Returns the last action's result.
 * Both runtimes (inline and worker) run chains through this one function.
 *
 * @throws PluginError `ACTION_FAILED` naming the plugin and action when an action is missing, throws
 *   or rejects (the original error is the cause). A PluginError thrown by an action (e.g. from the
 *   table API) keeps its code and gets the plugin and action filled in.
 *
 * @example
 * const result = await runActionChain({ actions: plugin.config.actions, names: route.actions, context })
 */
export async function runActionChain(options: RunActionChainOptions): Promise<unknown> {
  return runActionChainNow(options)
}

/**
 * `runActionChain` without the forced Promise: a chain whose actions all return plain values answers
 * synchronously (no microtask, no timer, no Promise to settle: the fast path of a plugin route); from
 * the first action that returns a promise on, it continues asynchronously. Throws (synchronously) or
 * rejects with the same errors as `runActionChain`.
 */
export function runActionChainNow(options: RunActionChainOptions, from = 0, previousResult?: unknown): unknown {
  const { actions, names, context, onAction, progress } = options
  // Read before any action runs: a lone action may hold `context` itself (see `fresh`) and change it.
  const plugin = context.plugin
  let previous = previousResult
  for (let index = from; index < names.length; index++) {
    const name = names[index] as string
    onAction?.(index)
    if (progress !== undefined) progress.index = index
    // hasOwn: a name such as "toString" must not reach Object.prototype.
    const action = Object.hasOwn(actions, name) ? actions[name] : undefined
    if (typeof action !== "function") {
      throw new PluginError("ACTION_FAILED", `Action "${name}" of plugin "${plugin.name}" is not defined`, {
        pluginId: plugin.id,
        plugin: plugin.name,
        action: name,
      })
    }
    // One fresh context per action, always with the same shape, so the call site stays monomorphic
    // and an action that mutates its context cannot change what the next one sees (a lone action may
    // have the caller's own, see `fresh`).
    const actionContext: ActionContext = options.fresh === true && index === 0 && names.length === 1 ? (context as ActionContext) : {
      logger: context.logger,
      table: context.table,
      body: context.body,
      previousAction: previous,
      params: context.params,
      query: context.query,
      headers: context.headers,
      method: context.method,
      path: context.path,
      plugin: context.plugin,
      env: context.env ?? NO_ENV,
    }
    let result: unknown
    try {
      result = action(actionContext)
    } catch (error) {
      throw actionError(error, name, plugin)
    }
    // A thenable (any Promise flavour) is awaited before the next action: previousAction is never a Promise.
    if (isThenable(result)) return continueAfter(options, index, name, result, plugin)
    previous = result
  }
  return previous
}

async function continueAfter(options: RunActionChainOptions, index: number, name: string, pending: PromiseLike<unknown>, plugin: PluginRef): Promise<unknown> {
  let value: unknown
  try {
    value = await pending
  } catch (error) {
    throw actionError(error, name, plugin)
  }
  return runActionChainNow(options, index + 1, value)
}


function actionError(error: unknown, action: string, plugin: PluginRef): PluginError {
  if (!isPluginError(error)) {
    return new PluginError("ACTION_FAILED", `Action "${action}" of plugin "${plugin.name}" failed: ${errorMessage(error)}`, {
      pluginId: plugin.id,
      plugin: plugin.name,
      action,
      cause: error,
    })
  }
  if (error.pluginId !== undefined && error.plugin !== undefined && error.action !== undefined) return error
  // PluginError's fields are read-only (it may be shared); a new one keeps code, message and extras,
  // and the original stays reachable as the cause.
  const details: PluginErrorDetails = {
    pluginId: error.pluginId ?? plugin.id,
    plugin: error.plugin ?? plugin.name,
    action: error.action ?? action,
    cause: error,
  }
  if (error.hook !== undefined) details.hook = error.hook
  if (error.headers !== undefined) details.headers = error.headers
  if (error.data !== undefined) details.data = error.data
  // The message names the action too, so a log line or a response body alone says where it failed.
  // A 4xx the action chose is its answer to the client and stays as it is.
  const message = error.action === undefined && error.status >= 500 ? `Action "${action}" of plugin "${plugin.name}" failed: ${error.message}` : error.message
  return new PluginError(error.code, message, details)
}
