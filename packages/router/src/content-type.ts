/** How a body is handed to actions, decided by its content type. */
export type BodyKind = "json" | "text" | "urlencoded" | "multipart" | "binary"

export interface ContentType {
  kind: BodyKind
  /** The `charset` parameter, lower-cased, when given. */
  charset: string | undefined
}

// application/* types that are text, though not under text/*.
const TEXTUAL_APPLICATION_TYPES: ReadonlySet<string> = new Set([
  "application/javascript",
  "application/ecmascript",
  "application/x-javascript",
  "application/xml",
  "application/yaml",
  "application/x-yaml",
  "application/toml",
  "application/graphql",
  "application/sql",
  "application/csv",
  "application/x-ndjson",
  "application/ndjson",
  "application/x-sh",
])

/**
 * Classifies a `Content-Type` header. No header means the client sent no type; its body is read as text,
 * the most useful form for a plugin that did not say what it expects.
 */
export function parseContentType(header: string | null): ContentType {
  if (header === null || header.trim() === "") return { kind: "text", charset: undefined }
  const semicolon = header.indexOf(";")
  const essence = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase()
  return { kind: kindOf(essence), charset: semicolon === -1 ? undefined : charsetOf(header.slice(semicolon + 1)) }
}

function kindOf(essence: string): BodyKind {
  if (essence === "application/json" || essence.endsWith("+json")) return "json"
  if (essence === "application/x-www-form-urlencoded") return "urlencoded"
  if (essence === "multipart/form-data") return "multipart"
  if (essence.startsWith("text/") || essence.endsWith("+xml") || essence.endsWith("+yaml")) return "text"
  if (TEXTUAL_APPLICATION_TYPES.has(essence)) return "text"
  return "binary"
}

function charsetOf(parameters: string): string | undefined {
  for (const parameter of parameters.split(";")) {
    const equals = parameter.indexOf("=")
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== "charset") continue
    const value = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, "$1")
    return value === "" ? undefined : value.toLowerCase()
  }
  return undefined
}
