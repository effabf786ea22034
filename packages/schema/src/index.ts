export {
  COLUMN_KINDS,
  FOREIGN_KEY_ACTIONS,
  INTEGER_SIZES,
  REAL_VARIANTS,
  TEXT_VARIANTS,
  UUID_V4_SQL,
  column,
  isSqlExpression,
  sql,
} from "./column.ts"
export type {
  ColumnDescriptor,
  ColumnKind,
  ColumnOptions,
  DefaultValue,
  Described,
  ForeignKeyAction,
  ForeignKeyReference,
  IntegerSize,
  RealVariant,
  SqlExpression,
  TextVariant,
} from "./column.ts"
export { isRawColumn, normalizeColumn, normalizeColumns, sqlTypeOf } from "./column-normalize.ts"
export type { NormalizedColumn } from "./column-normalize.ts"
export { columnCheckSql, columnProblems } from "./column-rules.ts"
export type { ColumnProblem } from "./column-rules.ts"
export {
  COLUMN_PLACEHOLDER,
  SAFE_SQL_FUNCTIONS,
  SqlSyntaxError,
  checkSqlFragment,
  quoteSqlIdentifier,
  quoteSqlString,
  tokenizeSql,
  unquoteIdentifier,
} from "./sql-expression.ts"
export type { SqlFragmentRules, SqlToken, SqlTokenType } from "./sql-expression.ts"
export { definePlugin } from "./define-plugin.ts"
export { MAX_FRONTEND_BYTES, frontendConfigSchema } from "./frontend.ts"
export type { FrontendAction, FrontendLoader, PluginFrontendConfig, PluginFrontendRoute } from "./frontend.ts"
export { PLUGIN_BUILDER_BRAND, PluginBuilder, pluginBuilder } from "./plugin-builder.ts"
export type { BuiltPlugin, PluginAuthor, PluginMeta, RepoType } from "./plugin-builder.ts"
export * from "./plugin-helpers.ts"
export { PLUGIN_SDK, PLUGIN_SDK_EXPORTS } from "./plugin-sdk.ts"
export type {
  ColumnValue,
  InsertRowOf,
  ParamsOf,
  PreviousOf,
  RouteParams,
  RowOf,
  SeedHookPayload,
  TableOf,
  TypedActionContext,
  TypedEvents,
  TypedPlugin,
  TypedServer,
  TypedTable,
  TypedTableConfig,
} from "./typed-plugin.ts"
export { DOCKER_HOST_ID, dockerHostIdSchema, dockerHostSchema, dockerHostsSchema } from "./docker-hosts.ts"
export type { DockerHostConfig } from "./docker-hosts.ts"
export { ERROR_STATUS, PluginError, errorMessage, isPluginError } from "./errors.ts"
export type { ErrorCode, PluginErrorDetails } from "./errors.ts"
export {
  DOCKER_EVENT_HOOKS,
  HOOK_NAMES,
  LIFECYCLE_HOOKS,
  UPSTREAM_CONTAINER_HOOKS,
  UPSTREAM_HOST_HOOKS,
  hookForDockerEvent,
  hookSubject,
  isHookName,
  isUpstreamHookName,
  upstreamHooksForDockerEvent,
} from "./event-catalog.ts"
export type { DockerEventType, DockerHookName, HookName, LifecycleHookName, SeedHookName, UpstreamHookName } from "./event-catalog.ts"
export type {
  DockerHostId,
  UpstreamContainerInfo,
  UpstreamContainerStats,
  UpstreamEventContexts,
  UpstreamHostMetrics,
} from "./upstream-events.ts"
export {
  REGISTRY_CHANGE_KINDS,
  RESERVED_TABLE_NAMES,
  eventCursors,
  hostLeases,
  hostSettings,
  pluginTables,
  plugins,
  registryChanges,
} from "./host-tables.ts"
export type { NewPluginRow, PluginRow, PluginTableRow, RegistryChangeKind, RegistryChangeRow } from "./host-tables.ts"
export { ENV_NAME, addedPermissions, describePermissions, normalizePermissions, permissionsSchema } from "./permissions.ts"
export type { PermissionsInput, PluginPermissions } from "./permissions.ts"
export { isThenable } from "./maybe-promise.ts"
export type { MaybePromise } from "./maybe-promise.ts"
export { isReply, reply } from "./reply.ts"
export { ROUTE_KEY } from "./route-key.ts"
export { HTTP_METHODS, RUNTIME_KINDS, isRuntimeKind } from "./types.ts"
export type {
  Action,
  ActionContext,
  Bindable,
  ChangeResult,
  ContainerInfo,
  EVENTS,
  EventContext,
  EventHandler,
  HttpMethod,
  ImageInfo,
  InsertResult,
  LogFn,
  Logger,
  PluginDefinition,
  PluginEvents,
  HookShare,
  PluginInstance,
  PluginRef,
  Query,
  QueryBuilder,
  QueryChain,
  QueryTerminals,
  RawColumn,
  ReplyValue,
  RouteConfig,
  RouteDescriptor,
  RouteInput,
  Row,
  RuntimeKind,
  SelectQuery,
  ServerContext,
  SortDirection,
  TableApi,
  TableConfig,
  WhereConditions,
  WhereOperator,
  WhereQuery,
} from "./types.ts"
export {
  IDENTIFIER,
  INTEGRITY,
  PLUGIN_NAME,
  columnDescriptorSchema,
  formatZodError,
  manifestSchema,
  pluginInputSchema,
  pluginModuleSchema,
  routeConfigSchema,
  tableConfigSchema,
} from "./validation.ts"
export type { Manifest, PluginInput, ValidPluginInput, ValidPluginModule } from "./validation.ts"
export { isSimplePluginModule } from "./plugin-module-check.ts"
