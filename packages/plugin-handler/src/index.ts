import { PluginHandler } from "./plugin-handler.ts"

export default PluginHandler
export { PluginHandler }
export type { LoadedPluginStatus, PluginHandlerOptions, PluginStatus } from "./plugin-handler.ts"
export type { DeleteResult, InstallResult, LoadPluginsResult, SaveResult } from "./results.ts"
export { DB } from "@dockstat/plugin-store"
export type { HostTableApi, PluginMetadata } from "@dockstat/plugin-store"
export { createFetchHandler, errorToResponse, toResponse } from "@dockstat/plugin-router"
export type { RouteHost } from "@dockstat/plugin-router"
export type { DispatchReport, DockerSourceStatus, HookOutcome } from "@dockstat/plugin-events"
export {
  HOOK_NAMES,
  PluginError,
  column,
  definePlugin,
  hookForDockerEvent,
  isPluginError,
  reply,
} from "@dockstat/plugin-schema"
export type {
  Action,
  ActionContext,
  ColumnDescriptor,
  ContainerInfo,
  EVENTS,
  EventContext,
  HookName,
  ImageInfo,
  Logger,
  PluginDefinition,
  PluginInput as DBPluginSchema,
  PluginInstance,
  QueryBuilder,
  RouteConfig,
  TableApi,
  TableConfig,
} from "@dockstat/plugin-schema"
