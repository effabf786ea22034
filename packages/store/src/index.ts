export { retryWhileBusy } from "./busy-retry.ts"
export type { BusyRetryOptions } from "./busy-retry.ts"
export { cleanRow } from "./clean-row.ts"
export { DB, HOST_BUSY_TIMEOUT_MS, MIGRATIONS_FOLDER } from "./db.ts"
export type { DBOptions, HostDrizzle, Query, SqliteConnection, Statement } from "./db.ts"
export { BUSY_RETRY_AFTER_SECONDS, databaseBusyError, isBusyError } from "./errors.ts"
export { createHostSettings } from "./host-settings.ts"
export type { HostSettings } from "./host-settings.ts"
export { createHostTableApi } from "./host-table-api.ts"
export type { HostTableApi } from "./host-table-api.ts"
export { codeDigest, createPluginSigner } from "./plugin-digest.ts"
export type { DigestCheck, PluginSigner, SignedFields } from "./plugin-digest.ts"
export { MIN_KEY_BYTES, PLUGIN_KEY_ENV, parseKey, resolvePluginKey } from "./plugin-key.ts"
export type { PluginKeyOptions, PluginKeySource, ResolvedPluginKey } from "./plugin-key.ts"
export { createPluginRegistry, toRow } from "./plugin-registry.ts"
export type { HostChoices, PluginMetadata, PluginRegistry } from "./plugin-registry.ts"
export {
  descriptorHash,
  destructiveChanges,
  drizzleKitLoadCount,
  dropPluginTables,
  ensurePluginTable,
  planPluginTable,
  pluginTableNames,
  readTableIndex,
  tableOwner,
} from "./plugin-table.ts"
export type { EnsureTableResult, IndexedTable, TableAction, TableIndex, TablePlan, TablePlanOptions } from "./plugin-table.ts"
export { resignUnkeyedPlugins } from "./resign-plugins.ts"
export type { ResignReport } from "./resign-plugins.ts"
export { createTableApi } from "./table-api.ts"
export type { TableApiOptions } from "./table-api.ts"
