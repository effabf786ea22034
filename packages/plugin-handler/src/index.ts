import { PluginHandler } from "./plugin-handler.ts"

export default PluginHandler
export { PluginHandler }
export type { LoadedPluginStatus, PluginHandlerOptions, PluginRoutes, PluginStatus } from "./plugin-handler.ts"
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
export type { DispatchReport, DockerHostsStatus, DockerHostStatus, DockerSourceStatus, HookOutcome, MetricsStatus } from "@dockstat/plugin-events"
export { parseDockerHostList } from "@dockstat/plugin-events"
export type { DockerHostResult, DockerOptions } from "./docker-events.ts"
export {
  HOOK_NAMES,
  PluginBuilder,
  PluginError,
  UPSTREAM_CONTAINER_HOOKS,
  UPSTREAM_HOST_HOOKS,
  isUpstreamHookName,
  column,
  createAction,
  createActions,
  createApiRoutes,
  createEvents,
  createFrontendAction,
  createFrontendConfig,
  createFrontendLoader,
  createFrontendRoute,
  createFrontendRoutes,
  createRoute,
  createTable,
  definePlugin,
  hookForDockerEvent,
  isPluginError,
  isReply,
  isRuntimeKind,
  RUNTIME_KINDS,
  pluginBuilder,
  reply,
  sql,
} from "@dockstat/plugin-schema"
export type {
  Action,
  ActionContext,
  Bindable,
  BuiltPlugin,
  ColumnDescriptor,
  ColumnKind,
  ColumnOptions,
  FrontendAction,
  FrontendLoader,
  ContainerInfo,
  DockerHostConfig,
  DockerHostId,
  EVENTS,
  EventContext,
  HookName,
  ImageInfo,
  InsertRowOf,
  Logger,
  PluginAuthor,
  PluginDefinition,
  PluginFrontendConfig,
  PluginFrontendRoute,
  PluginInput as DBPluginSchema,
  PluginInstance,
  PermissionsInput,
  PluginPermissions,
  Query,
  QueryBuilder,
  RawColumn,
  RouteConfig,
  RowOf,
  RouteDescriptor,
  RuntimeKind,
  ServerContext,
  TableApi,
  SqlExpression,
  TableConfig,
  TypedActionContext,
  TypedPlugin,
  TypedTable,
  UpstreamContainerInfo,
  UpstreamContainerStats,
  UpstreamEventContexts,
  UpstreamHookName,
  UpstreamHostMetrics,
  WhereConditions,
  WhereOperator,
} from "@dockstat/plugin-schema"
