import { PluginHandler } from "./plugin-handler.ts"

export default PluginHandler
export { PluginHandler }
export type { LoadedPluginStatus, PluginHandlerOptions, PluginRoutes, PluginStatus } from "./plugin-handler.ts"
export type { DeleteResult, InstallFailureKind, InstallOptions, InstallResult, LoadPluginsResult, PermissionChange, ResignResult, SaveResult } from "./results.ts"
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
  PermissionsInput,
  PluginPermissions,
  QueryBuilder,
  RouteConfig,
  RuntimeKind,
  TableApi,
  TableConfig,
} from "@dockstat/plugin-schema"
