import { getTableColumns } from "drizzle-orm"
import { plugins } from "@dockstat/plugin-schema"

import type { ColumnDescriptor, TableApi } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"
import { createTableApi } from "./table-api.ts"

export type HostTableApi = TableApi & { getDb(): DB }

const KIND_BY_DATA_TYPE: Record<string, ColumnDescriptor["kind"]> = { number: "integer", boolean: "boolean", json: "json" }

/**
 * The seed's `getTable()`: a read-only table API over `plugins` (writes go through savePlugin, which keeps
 * the code's digest right), plus `getDb()` for the troubleshooting queries.
 */
export function createHostTableApi(db: DB): HostTableApi {
  const columns: Record<string, ColumnDescriptor> = {}
  for (const column of Object.values(getTableColumns(plugins))) {
    columns[column.name] = { kind: KIND_BY_DATA_TYPE[column.dataType] ?? "text" }
  }
  return createTableApi(db.client, "plugins", columns, { readOnly: true }, { getDb: () => db }) as HostTableApi
}
