import { COLUMN_KINDS } from "./column.ts"
import { isHookName } from "./event-catalog.ts"
import { RESERVED_TABLE_NAMES } from "./host-tables.ts"
import { ROUTE_KEY } from "./route-key.ts"
import { HTTP_METHODS } from "./types.ts"
import { IDENTIFIER } from "./validation.ts"

/*
 * A fast check that `pluginModuleSchema` accepts a plugin's default export, for the shapes plugins are
 * written in: plain objects all the way, plain values. Zod costs ~60 us per module (a sixth of loading
 * 1000 plugins); this, about a tenth of that. It is sound but not complete: true means zod would accept
 * the module; false only means "ask zod", which then also words the error. Anything unusual (class
 * instances, symbol or `__proto__` keys, object or array column defaults) answers false.
 * plugin-module-check.test.ts checks it against zod on valid modules and on each way to break one.
 */

const KINDS: ReadonlySet<string> = new Set(COLUMN_KINDS)
const METHODS: ReadonlySet<string> = new Set(HTTP_METHODS)
const DESCRIPTOR_KEYS: ReadonlySet<string> = new Set(["kind", "notNull", "unique", "defaultNow", "default"])
/** Kinds that need an option the fast path does not take (a length, enum values): zod decides. */
const KINDS_WITH_OPTIONS: ReadonlySet<string> = new Set(["varchar", "char", "enum"])
const TABLE_KEYS: ReadonlySet<string> = new Set(["name", "columns", "jsonColumns"])

/**
 * An object literal's keys: Object.prototype (or none) as prototype, no symbol keys (zod's records refuse
 * them), no `__proto__` key (zod's records drop it). Each property is read once, as zod reads it, so an
 * accessor answers here what it would have answered zod; non-enumerable keys zod's records skip as
 * `Object.keys` does.
 */
function plainKeys(value: unknown): string[] | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return undefined
  if (Object.getOwnPropertySymbols(value).length > 0) return undefined
  const keys = Object.keys(value)
  for (let index = 0; index < keys.length; index++) if (keys[index] === "__proto__") return undefined
  return keys
}

/** Every index, holes included (zod reads a hole as undefined; `every` would skip it). */
function allItems(list: readonly unknown[], ok: (item: unknown) => boolean): boolean {
  for (let index = 0; index < list.length; index++) if (!ok(list[index])) return false
  return true
}

const optionalString = (value: unknown, min: number) => value === undefined || (typeof value === "string" && value.length >= min)
const optionalBoolean = (value: unknown) => value === undefined || typeof value === "boolean"

function isMethod(value: unknown): boolean {
  return typeof value === "string" && METHODS.has(value.toUpperCase())
}

function isRoute(value: unknown, actions: Record<string, unknown>): boolean {
  if (plainKeys(value) === undefined) return false
  const route = value as { method?: unknown; actions?: unknown }
  const method = route.method
  if (method !== undefined && !isMethod(method) && !(Array.isArray(method) && method.length > 0 && allItems(method, isMethod))) return false
  const names = route.actions
  if (!Array.isArray(names) || names.length === 0) return false
  return allItems(names, (name) => typeof name === "string" && name.length > 0 && Object.hasOwn(actions, name))
}

function isColumn(value: unknown): value is { kind: string } {
  const keys = plainKeys(value)
  if (keys === undefined || !keys.every((key) => DESCRIPTOR_KEYS.has(key))) return false
  const { kind, notNull, unique, defaultNow, default: fallback } = value as Record<string, unknown>
  if (typeof kind !== "string" || !KINDS.has(kind) || KINDS_WITH_OPTIONS.has(kind)) return false
  if (kind === "id" && fallback !== undefined) return false
  if (!optionalBoolean(notNull) || !optionalBoolean(unique) || !optionalBoolean(defaultNow)) return false
  if (defaultNow === true && kind !== "date") return false
  return fallback === undefined || fallback === null || typeof fallback === "string" || typeof fallback === "boolean" || (typeof fallback === "number" && Number.isFinite(fallback))
}

function isTable(value: unknown): boolean {
  // Other keys (DockStat's `parser`) are zod's to read and normalize.
  const tableKeys = plainKeys(value)
  if (tableKeys === undefined || !tableKeys.every((key) => TABLE_KEYS.has(key))) return false
  const { name, columns, jsonColumns: json } = value as { name?: unknown; columns?: unknown; jsonColumns?: unknown }
  if (typeof name !== "string" || !IDENTIFIER.test(name)) return false
  const lower = name.toLowerCase()
  if (RESERVED_TABLE_NAMES.has(lower) || lower.startsWith("sqlite_") || lower.startsWith("__drizzle")) return false
  const names = plainKeys(columns)
  if (names === undefined || names.length === 0) return false
  const seen = new Set<string>()
  const kinds = new Map<string, string>()
  for (const column of names) {
    if (!IDENTIFIER.test(column) || seen.has(column.toLowerCase()) || column.toLowerCase() === "_rowid_") return false
    seen.add(column.toLowerCase())
    const descriptor = (columns as Record<string, unknown>)[column]
    if (!isColumn(descriptor)) return false
    kinds.set(column, descriptor.kind)
  }
  if ([...kinds.values()].filter((kind) => kind === "id").length > 1) return false
  return json === undefined || (Array.isArray(json) && allItems(json, (item) => typeof item === "string" && kinds.has(item)))
}

function isFunctionRecord(value: unknown, keyOk: (key: string) => boolean): boolean {
  const keys = plainKeys(value)
  return keys !== undefined && keys.every((key) => keyOk(key) && typeof (value as Record<string, unknown>)[key] === "function")
}

const anyKey = () => true

/** True when `pluginModuleSchema` surely accepts `definition` (see above); false: validate it with zod. */
export function isSimplePluginModule(definition: unknown): boolean {
  if (plainKeys(definition) === undefined) return false
  const { name, version, description, events, config } = definition as Record<string, unknown>
  if (!optionalString(name, 1) || !optionalString(version, 1) || !optionalString(description, 0)) return false
  if (events !== undefined && !isFunctionRecord(events, isHookName)) return false
  if (config === undefined) return true
  if (plainKeys(config) === undefined) return false
  const { table, apiRoutes, actions, frontend } = config as Record<string, unknown>
  // A frontend is JSON checked for size and shape: zod's.
  if (frontend !== undefined) return false
  if (table !== undefined && !isTable(table)) return false
  if (actions !== undefined && !isFunctionRecord(actions, anyKey)) return false
  if (apiRoutes === undefined) return true
  const keys = plainKeys(apiRoutes)
  if (keys === undefined) return false
  const declared = (actions ?? {}) as Record<string, unknown>
  return keys.every((key) => ROUTE_KEY.test(key) && isRoute((apiRoutes as Record<string, unknown>)[key], declared))
}
