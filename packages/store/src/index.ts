export { cleanRow } from "./clean-row.ts"
export { DB, MIGRATIONS_FOLDER } from "./db.ts"
export type { DBOptions, HostDrizzle, Query, SqliteConnection, Statement } from "./db.ts"
export { createHostTableApi } from "./host-table-api.ts"
export type { HostTableApi } from "./host-table-api.ts"
export { codeDigest, createPluginRegistry, toRow } from "./plugin-registry.ts"
export type { PluginMetadata, PluginRegistry } from "./plugin-registry.ts"
export {
  descriptorHash,
  destructiveChanges,
  drizzleKitLoadCount,
  dropPluginTables,
  ensurePluginTable,
  planPluginTable,
  pluginTableNames,
  tableOwner,
} from "./plugin-table.ts"
export type { EnsureTableResult, TableAction, TablePlan, TablePlanOptions } from "./plugin-table.ts"
export { createTableApi } from "./table-api.ts"
export type { TableApiOptions } from "./table-api.ts"
