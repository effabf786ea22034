import { errorMessage } from "@dockstat/plugin-schema"
import type { PluginError } from "@dockstat/plugin-schema"
import { resolveError } from "./errors.ts"

/** True when `signal` was aborted by its own `AbortSignal.timeout`. */
export function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof Error && signal.reason.name === "TimeoutError"
}

// undici wraps the socket error: TypeError("fetch failed", { cause: Error & { code } }), sometimes an
// AggregateError of one attempt per address. The code is somewhere down that chain.
function findCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown }
  if (typeof code === "string") return code
  const fromCause = findCode(cause, depth + 1)
  if (fromCause !== undefined) return fromCause
  return Array.isArray(errors) ? errors.map((inner) => findCode(inner, depth + 1)).find((found) => found !== undefined) : undefined
}

function innermostMessage(error: unknown): string {
  let current = error
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) current = current.cause
  return errorMessage(current)
}

function reason(code: string | undefined, url: URL): string | undefined {
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused by ${url.host}`
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
    case "EAI_FAIL":
      return `DNS lookup failed for ${url.hostname}`
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `connecting to ${url.host} timed out`
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return `${url.host} closed the connection without an answer`
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no route to ${url.host}`
    default:
      return undefined
  }
}

/**
 * Why a request got no answer, as an `unreachable` failure that names it: the timeout (with its
 * duration), a refused connection, a failed DNS lookup, a TLS problem or the raw cause.
 */
export function networkFailure(error: unknown, url: URL, signal: AbortSignal, timeoutMs: number): PluginError {
  if (timedOut(signal)) {
    return resolveError("unreachable", `timed out after ${timeoutMs} ms fetching ${url.href}`, error)
  }
  const code = findCode(error)
  const known = reason(code, url)
  if (known !== undefined) return resolveError("unreachable", `${url.href} is unreachable: ${known} (${code})`, error)
  const detail = innermostMessage(error)
  const tls = code !== undefined && (code.startsWith("ERR_TLS") || code.includes("CERT") || code.startsWith("ERR_SSL"))
  return resolveError(
    "unreachable",
    `${url.href} is unreachable: ${tls ? "TLS error: " : ""}${detail}${code === undefined ? "" : ` (${code})`}`,
    error,
  )
}
