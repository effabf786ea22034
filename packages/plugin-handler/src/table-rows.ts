import { pluginTableNames, readTableRows } from "@dockstat/plugin-store"

import type { TableColumnInfo } from "@dockstat/plugin-store"

import type { HandlerParts } from "./handler-parts.ts"
import { invalidIdError, missingPluginError } from "./missing-plugin.ts"

/** The most rows one page may ask for. */
export const MAX_TABLE_PAGE_SIZE = 200

export interface TableRowsOptions {
  /** 1-based (default 1); a page past the end is empty. */
  page?: number
  /** Rows a page (default 50, at most 200); 0 counts the rows only. */
  pageSize?: number
  /**
   * Cut text and byte values longer than this (in SQL, before they reach memory) to this length plus one,
   * so a view can show that they were cut. Left out, values come whole.
   */
  maxValueLength?: number
}

export interface PluginTableRows {
  pluginId: number
  plugin: string
  /** The plugin's table (the loaded version's), or null when it has none. */
  table: string | null
  columns: TableColumnInfo[]
  total: number
  page: number
  pageSize: number
  /** Pages of `pageSize` in the table (0 for an empty one). */
  pages: number
  /** The rows as stored (JSON as text, booleans 0/1, dates ISO text, bytes as Uint8Array), in insertion order. */
  rows: Record<string, unknown>[]
}

/**
 * A page of a plugin's table, read-only, whether the plugin is loaded or not. The table is the one the
 * loaded version uses, else one the host created for the plugin that still exists.
 */
export function tableRows(parts: HandlerParts, id: number, options: TableRowsOptions = {}): PluginTableRows {
  if (!Number.isSafeInteger(id)) throw invalidIdError(id)
  const row = parts.registry.get(id)
  if (!row) throw missingPluginError(id)
  const page = wholeNumber(options.page, 1, "page", 1)
  const pageSize = wholeNumber(options.pageSize, 50, "pageSize", 0)
  if (pageSize > MAX_TABLE_PAGE_SIZE) throw new RangeError(`pageSize must be at most ${MAX_TABLE_PAGE_SIZE}, got ${pageSize}`)
  const maxValueLength = options.maxValueLength === undefined ? undefined : wholeNumber(options.maxValueLength, 0, "maxValueLength", 1)
  const loaded = parts.loaded.get(id)?.instance.table?.name
  const table = loaded ?? pluginTableNames(parts.db, row.name).find((name) => parts.db.tableExists(name)) ?? null
  const base = { pluginId: id, plugin: row.name, table, page, pageSize }
  if (table === null) return { ...base, columns: [], total: 0, pages: 0, rows: [] }
  const read = readTableRows(parts.db, table, { offset: (page - 1) * pageSize, limit: pageSize, maxValueLength })
  return { ...base, columns: read.columns, total: read.total, pages: pageSize === 0 ? 0 : Math.ceil(read.total / pageSize), rows: read.rows }
}

function wholeNumber(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${String(value)}`)
  return value
}
