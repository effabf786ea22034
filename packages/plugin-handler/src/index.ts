import { PluginHandler } from "./plugin-handler.ts"

export default PluginHandler
export { PluginHandler }
export type { LoadedPluginStatus, PluginHandlerOptions, PluginStatus } from "./plugin-handler.ts"
export { describeActivity } from "./activity.ts"
export type { Activity, ActivityInput, ActivityKind, ActivityListener, Unsubscribe } from "./activity.ts"
export type { PreviewResult, PreviewSuccess } from "./preview-plugin.ts"
export { MAX_TABLE_PAGE_SIZE } from "./table-rows.ts"
export type { PluginTableRows, TableRowsOptions } from "./table-rows.ts"
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
  RouteDescriptor,
  RuntimeKind,
  TableApi,
  TableConfig,
} from "@dockstat/plugin-schema"
