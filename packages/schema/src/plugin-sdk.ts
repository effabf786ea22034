import { column, sql } from "./column.ts"
import { definePlugin } from "./define-plugin.ts"
import { PluginError, isPluginError } from "./errors.ts"
import { HOOK_NAMES, UPSTREAM_CONTAINER_HOOKS, UPSTREAM_HOST_HOOKS, hookForDockerEvent, isUpstreamHookName } from "./event-catalog.ts"
import { PluginBuilder, pluginBuilder } from "./plugin-builder.ts"
import * as helpers from "./plugin-helpers.ts"
import { isReply, reply } from "./reply.ts"
import { RUNTIME_KINDS, isRuntimeKind } from "./types.ts"

/**
 * What plugin code gets when it imports the SDK (`@dockstat/plugin-handler`, `@dockstat/sqlite-wrapper`,
 * `@dockstat/plugin-builder`), in every runtime: one object, so the inline runtime, the worker's SDK
 * bundle and the sandbox's module serve the same names.
 */
export const PLUGIN_SDK = Object.freeze({
  column,
  sql,
  reply,
  isReply,
  definePlugin,
  PluginError,
  isPluginError,
  pluginBuilder,
  PluginBuilder,
  // The hook names, as @dockstat/plugin-handler's types offer them to plugin code.
  HOOK_NAMES,
  UPSTREAM_CONTAINER_HOOKS,
  UPSTREAM_HOST_HOOKS,
  isUpstreamHookName,
  hookForDockerEvent,
  RUNTIME_KINDS,
  isRuntimeKind,
  // Every authoring helper (createAction, createRoute, createTable, the frontend ones...).
  ...helpers,
})

/** The names a plugin can import from the SDK. */
export const PLUGIN_SDK_EXPORTS: readonly string[] = Object.freeze(Object.keys(PLUGIN_SDK))
