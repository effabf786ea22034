import { LOG_LEVELS, MAX_LOG_ARGS } from "./worker-protocol.ts"

/** Short and safe to log: never calls into the value. */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (value === null) return "null"
  if (value === undefined) return "missing"
  if (Array.isArray(value)) return "an array"
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value).slice(0, 40)}`
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)
const optionalString = (value: unknown) => value === undefined || typeof value === "string"

function errorProblem(error: unknown): string | null {
  if (!isRecord(error)) return `a failed result whose error is ${describe(error)}`
  if (typeof error.code !== "string" || typeof error.message !== "string") return "a failed result whose error has no string code and message"
  if (!optionalString(error.plugin) || !optionalString(error.action) || !optionalString(error.hook)) return "a failed result whose error names plugin, action or hook with a non-string"
  const { headers, data } = error
  if (headers !== undefined && (!isRecord(headers) || !Object.values(headers).every((value) => typeof value === "string"))) {
    return "a failed result whose error headers are not strings"
  }
  if (data !== undefined && !isRecord(data)) return `a failed result whose error data is ${describe(data)}`
  return null
}

/**
 * Why `value` is not a message a plugin worker may send (a WorkerMessage), or null when it is one. Hand-written rather than zod: a `result` crosses on every request. Whether the message
 * fits the moment (a result for a call in flight, `ready` after `imported`) is the runtime's to check.
 */
function resultProblem(value: Record<string, unknown>): string | null {
  if (!Number.isSafeInteger(value.id)) return `a result whose id is ${describe(value.id)}`
  if (value.ok === true) return null
  if (value.ok === false) return errorProblem(value.error)
  return `a result whose ok is ${describe(value.ok)}`
}

export function workerMessageProblem(value: unknown): string | null {
  if (!isRecord(value)) return `a message that is ${describe(value)}`
  switch (value.type) {
    case "result":
      return resultProblem(value)
    case "results": {
      if (!Array.isArray(value.results) || value.results.length === 0) return `a results message whose results are ${describe(value.results)}`
      for (const result of value.results as unknown[]) {
        const problem = isRecord(result) && result.type === "result" ? resultProblem(result) : `a results entry that is ${describe(result)}`
        if (problem !== null) return problem
      }
      return null
    }
    case "log":
      if (typeof value.level !== "string" || !Object.hasOwn(LOG_LEVELS, value.level)) return `a log of level ${describe(value.level)}`
      if (!Array.isArray(value.args)) return `a log whose args are ${describe(value.args)}`
      if (value.args.length > MAX_LOG_ARGS) return `a log with ${value.args.length} arguments (at most ${MAX_LOG_ARGS})`
      return null
    case "imported":
      return "shape" in value ? null : "an imported message without a shape"
    case "ready":
      return null
    case "load-error":
      return typeof value.message === "string" ? null : `a load-error whose message is ${describe(value.message)}`
    default:
      return `a message of unknown type ${describe(value.type)}`
  }
}

