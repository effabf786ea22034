export { column, COLUMN_KINDS } from "./column.ts"
export type { ColumnDescriptor, ColumnKind, ColumnOptions } from "./column.ts"
export { definePlugin } from "./define-plugin.ts"
export { ERROR_STATUS, PluginError, errorMessage, isPluginError } from "./errors.ts"
export type { ErrorCode, PluginErrorDetails } from "./errors.ts"
export {
  DOCKER_EVENT_HOOKS,
  HOOK_NAMES,
  LIFECYCLE_HOOKS,
  hookForDockerEvent,
  isHookName,
} from "./event-catalog.ts"
export type { DockerEventType, DockerHookName, HookName, LifecycleHookName } from "./event-catalog.ts"
export { RESERVED_TABLE_NAMES, hostSettings, pluginTables, plugins } from "./host-tables.ts"
export type { NewPluginRow, PluginRow, PluginTableRow } from "./host-tables.ts"
export { ENV_NAME, addedPermissions, describePermissions, normalizePermissions, permissionsSchema } from "./permissions.ts"
export type { PermissionsInput, PluginPermissions } from "./permissions.ts"
export { isThenable } from "./maybe-promise.ts"
export type { MaybePromise } from "./maybe-promise.ts"
export { isReply, reply } from "./reply.ts"
export { ROUTE_KEY } from "./route-key.ts"
export { HTTP_METHODS } from "./types.ts"
export type {
  Action,
  ActionContext,
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
  PluginInstance,
  PluginRef,
  QueryBuilder,
  ReplyValue,
  RouteConfig,
  RouteDescriptor,
  RouteInput,
  Row,
  RuntimeKind,
  SelectQuery,
  SortDirection,
  TableApi,
  TableConfig,
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
