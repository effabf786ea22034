/**
 * A plugin module's default export as plain data: functions become a marker. A worker sends it to the
 * host, which validates it with the same zod schema as the inline runtime, so the worker never loads zod.
 */
const FUNCTION = "__dockstat_function__"

export type Shape = null | boolean | number | string | Shape[] | { [key: string]: Shape }

export function describeShape(value: unknown, seen = new WeakSet<object>(), depth = 0): Shape {
  if (typeof value === "function") return { [FUNCTION]: true }
  if (value === null || typeof value !== "object") {
    return typeof value === "bigint" || typeof value === "symbol" || value === undefined ? null : (value as Shape)
  }
  if (seen.has(value) || depth > 32) return null
  seen.add(value)
  if (Array.isArray(value)) return value.map((item) => describeShape(item, seen, depth + 1))
  const out: Record<string, Shape> = {}
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key]
    if (item !== undefined) out[key] = describeShape(item, seen, depth + 1)
  }
  return out
}

/** The shape with every marker turned back into a (no-op) function, ready for the zod schema. */
export function reviveShape(shape: Shape): unknown {
  if (shape === null || typeof shape !== "object") return shape
  if (Array.isArray(shape)) return shape.map(reviveShape)
  if (shape[FUNCTION] === true && Object.keys(shape).length === 1) return () => undefined
  return Object.fromEntries(Object.entries(shape).map(([key, item]) => [key, reviveShape(item)]))
}
