import { PluginError } from "@dockstat/plugin-schema"

function describe(value: unknown): string {
  if (typeof value === "number") return String(value)
  if (typeof value === "object" && value !== null) return value.constructor?.name ?? "object without prototype"
  return typeof value
}

function at(path: readonly (string | number)[]): string {
  return path.length === 0 ? "the document" : path.map(String).join(".")
}

/**
 * Refuses anything JSON could not hold: Infinity and NaN (YAML's `.inf`, `.nan`), Dates, binary, Maps,
 * Sets, bigints, and cycles (a YAML alias inside its own anchor). What passes can be stored as JSON and
 * read back unchanged. Shared references (other aliases) are fine: they were already counted.
 */
export function assertJsonCompatible(value: unknown, where: string): void {
  walk(value, [], new Set(), where)
}

function walk(value: unknown, path: (string | number)[], ancestors: Set<object>, where: string): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return
  if (typeof value === "number") {
    if (Number.isFinite(value)) return
    throw new PluginError("INVALID_INPUT", `${where}: ${at(path)} is ${describe(value)}, which JSON cannot hold`)
  }
  if (typeof value !== "object") {
    throw new PluginError("INVALID_INPUT", `${where}: ${at(path)} is a ${describe(value)}; only JSON values are allowed`)
  }
  if (ancestors.has(value)) {
    throw new PluginError("INVALID_INPUT", `${where}: ${at(path)} refers to itself (a recursive YAML alias)`)
  }
  const isArray = Array.isArray(value)
  const proto: unknown = Object.getPrototypeOf(value)
  if (!isArray && proto !== Object.prototype && proto !== null) {
    throw new PluginError("INVALID_INPUT", `${where}: ${at(path)} is a ${describe(value)}; only JSON values are allowed`)
  }
  ancestors.add(value)
  if (isArray) {
    value.forEach((item: unknown, index) => walk(item, [...path, index], ancestors, where))
  } else {
    for (const [key, item] of Object.entries(value)) walk(item, [...path, key], ancestors, where)
  }
  ancestors.delete(value)
}
