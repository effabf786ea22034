import type { ColumnDescriptor, ColumnKind } from "@dockstat/plugin-schema"

import { invalidValueError } from "./errors.ts"

export type Encode = (value: unknown, column: string) => unknown
export type Decode = (value: unknown) => unknown

export interface ColumnCodec {
  kind: ColumnKind | "json-text"
  encode: Encode
  /** Undefined when the stored value is returned as is (no per-row work). */
  decode: Decode | undefined
}

function plain(table: string, kind: string): Encode {
  return (value, column) => {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "bigint") return value
    if (typeof value === "boolean") return value ? 1 : 0
    if (value instanceof Uint8Array) return value
    if (value instanceof Date) return value.toISOString()
    throw invalidValueError(table, column, `column "${column}" is ${kind}; a ${typeof value} cannot be stored in it (declare it with column.json())`)
  }
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

/** Text kinds that store what they get, a Date as ISO-8601 text (or its time of day). */
function dateText(table: string, kind: ColumnKind, toText: (date: Date) => string): ColumnCodec {
  const base = plain(table, kind)
  return {
    kind,
    encode: (value, column) => {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw invalidValueError(table, column, `column "${column}" got an invalid Date`)
        return toText(value)
      }
      return base(value, column)
    },
    decode: undefined,
  }
}

/**
 * How each column's values go in and come out: JSON text, 0/1 booleans, ISO dates; DockStat's kinds
 * (datetime, time, timestamp, numeric, varchar ...) as stored. `json` and `boolean`: the column is listed
 * in jsonColumns / parser.JSON or parser.BOOLEAN.
 */
export function columnCodec(table: string, descriptor: ColumnDescriptor, json: boolean, boolean = false): ColumnCodec {
  if (boolean && !json) return columnCodec(table, { kind: "boolean" }, false)
  if (json || descriptor.kind === "json") {
    return {
      kind: descriptor.kind === "json" ? "json" : "json-text",
      encode: (value) => (value === null ? null : JSON.stringify(value)),
      decode: (value) => (typeof value === "string" ? JSON.parse(value) : value),
    }
  }
  switch (descriptor.kind) {
    case "boolean":
      return {
        kind: "boolean",
        encode: (value, column) => {
          if (value === null) return null
          if (typeof value === "boolean") return value ? 1 : 0
          if (value === 0 || value === 1) return value
          throw invalidValueError(table, column, `column "${column}" is boolean; got ${JSON.stringify(value)}`)
        },
        decode: (value) => (value === null || value === undefined ? value : value === 1 || value === 1n),
      }
    case "date":
      return {
        kind: "date",
        encode: (value, column) => {
          if (value === null) return null
          const date = value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : undefined
          if (!date || Number.isNaN(date.getTime())) throw invalidValueError(table, column, `column "${column}" is a date; got ${JSON.stringify(value)}`)
          return date.toISOString()
        },
        decode: (value) => (typeof value === "string" ? new Date(value) : value),
      }
    case "blob":
      return {
        kind: "blob",
        encode: (value, column) => {
          if (value === null || value instanceof Uint8Array) return value
          if (typeof value === "string") return Buffer.from(value)
          throw invalidValueError(table, column, `column "${column}" is a blob; got ${typeof value}`)
        },
        decode: undefined,
      }
    case "datetime":
      return dateText(table, "datetime", (date) => date.toISOString())
    case "time":
      return dateText(table, "time", (date) => date.toISOString().slice(11, 19))
    case "timestamp":
      if (descriptor.asText) return dateText(table, "timestamp", (date) => date.toISOString())
      return {
        kind: "timestamp",
        encode: (value, column) => {
          if (value instanceof Date) {
            if (Number.isNaN(value.getTime())) throw invalidValueError(table, column, `column "${column}" got an invalid Date`)
            return seconds(value)
          }
          return plain(table, "timestamp")(value, column)
        },
        decode: undefined,
      }
    case "module":
      return {
        kind: "module",
        encode: (value, column) => (typeof value === "function" ? String(value) : plain(table, "module")(value, column)),
        decode: undefined,
      }
    default:
      return { kind: descriptor.kind, encode: plain(table, descriptor.kind), decode: undefined }
  }
}
