export { retryWhileBusy } from "./busy-retry.ts"
export type { BusyRetryOptions } from "./busy-retry.ts"
export { cleanRow } from "./clean-row.ts"
export { createChangeFeed, DEFAULT_FEED_INTERVAL_MS } from "./change-feed.ts"
export type { ChangeBatch, ChangeFeed, ChangeFeedOptions } from "./change-feed.ts"
export { DB, HOST_BUSY_TIMEOUT_MS, MIGRATIONS_FOLDER, OPEN_BUSY_TIMEOUT_MS } from "./db.ts"
export type { DBOptions, HostDrizzle, Query, SqliteConnection, Statement } from "./db.ts"
export { BUSY_RETRY_AFTER_SECONDS, databaseBusyError, isBusyError } from "./errors.ts"
export { createHostSettings } from "./host-settings.ts"
export type { HostSettings } from "./host-settings.ts"
export { createEventCursors } from "./event-cursors.ts"
export type { EventCursors, StoredCursor } from "./event-cursors.ts"
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
export { createLeases } from "./leases.ts"
export type { LeaseHolder, Leases } from "./leases.ts"
export { changesSince, KEPT_CHANGES, recordChange, registryVersion } from "./registry-changes.ts"
export type { RegistryChange } from "./registry-changes.ts"
export type { ReplicaOptions } from "./replica-options.ts"
export { resignUnkeyedPlugins } from "./resign-plugins.ts"
export type { ResignReport } from "./resign-plugins.ts"
export { createPluginTableApi, createTableApi } from "./table-api.ts"
export { readTableRows } from "./table-rows.ts"
export type { TableColumnInfo, TableRowsPage } from "./table-rows.ts"
export type { TableApiOptions } from "./table-api.ts"
export { REGEX_MATCHER, isRegexMatcher } from "./regex-condition.ts"
export type { RegexMatcher } from "./regex-condition.ts"
export { withoutFunctions } from "./raw-where-guard.ts"
export { committedWrites } from "./write-transaction.ts"
