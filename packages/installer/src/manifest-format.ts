/** The two manifest languages. YAML is a superset of JSON, but JSON gets the stricter, faster parser. */
export type ManifestFormat = "json" | "yaml"

/** How the format was chosen, for error messages that explain the choice. */
export interface FormatChoice {
  format: ManifestFormat
  by: string
}

function pathOf(name: string): string {
  // A URL's query ("?raw=1") or fragment would hide its extension.
  return URL.canParse(name) ? new URL(name).pathname : name
}

/** `.json` -> json, `.yml` / `.yaml` -> yaml, anything else -> undefined. */
export function formatFromExtension(name: string): ManifestFormat | undefined {
  const path = pathOf(name).toLowerCase()
  if (path.endsWith(".json")) return "json"
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return "yaml"
  return undefined
}

/** The media type without parameters, lower-cased: `"Application/JSON; charset=utf-8"` -> `"application/json"`. */
export function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase()
}

/** application/json and `+json` -> json; application/yaml, text/yaml, `x-yaml`, `+yaml` -> yaml. */
export function formatFromContentType(contentType: string): ManifestFormat | undefined {
  const type = mediaType(contentType)
  if (type === "application/json" || type === "text/json" || type.endsWith("+json")) return "json"
  if (type === "application/yaml" || type === "text/yaml" || type.endsWith("/x-yaml") || type.endsWith("+yaml")) return "yaml"
  return undefined
}

/** An object in braces is JSON; everything else is left to YAML (which also reads JSON arrays). */
export function formatFromContent(text: string): ManifestFormat {
  return text.trimStart().startsWith("{") ? "json" : "yaml"
}

/**
 * Decides how to parse a manifest: by the file extension, then the content type, then the content.
 * The extension wins because hosts such as raw.githubusercontent.com serve everything as text/plain.
 */
export function chooseFormat(text: string, hint: { name?: string; contentType?: string }): FormatChoice {
  const byExtension = hint.name === undefined ? undefined : formatFromExtension(hint.name)
  if (byExtension !== undefined) return { format: byExtension, by: "its file extension" }
  const byType = hint.contentType === undefined ? undefined : formatFromContentType(hint.contentType)
  if (byType !== undefined) return { format: byType, by: `its content type ${mediaType(hint.contentType ?? "")}` }
  return { format: formatFromContent(text), by: "its content" }
}

const HTML_START = /^\s*<(?:!doctype\s+html|html[\s>]|!--|head[\s>]|body[\s>])/i

/**
 * An HTML page where a manifest was expected: a login page, a GitHub "blob" page instead of the raw file,
 * a proxy's error page. Said so plainly instead of reporting a JSON or YAML syntax error.
 */
export function isHtml(text: string, contentType: string | undefined): boolean {
  if (contentType !== undefined) {
    const type = mediaType(contentType)
    if (type === "text/html" || type === "application/xhtml+xml") return true
  }
  return HTML_START.test(text)
}

const CODE_EXTENSION = /\.[cm]?js$/
const CODE_TYPE = /(?:java|ecma)script$/
// After comments and blank lines: an import or export statement, or "use strict" / module.exports.
const CODE_START = /^(?:(?:import|export)\s*(?:[{*"'`]|[A-Za-z_$][\w$]*\b(?!\s*:))|["']use strict["']|module\.exports\b)/
const LEADING_NOISE = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|#![^\n]*)*/

/**
 * Whether a document given as a manifest is JavaScript instead: a `.js`/`.mjs`/`.cjs` name, a JavaScript
 * content type, or text that starts (after comments) like module code. A YAML key such as `import:` is not.
 */
export function looksLikeCode(text: string, hint: { name?: string; contentType?: string }): boolean {
  if (hint.name !== undefined && CODE_EXTENSION.test(pathOf(hint.name).toLowerCase())) return true
  if (hint.contentType !== undefined && CODE_TYPE.test(mediaType(hint.contentType))) return true
  return CODE_START.test(text.replace(/^\uFEFF/, "").replace(LEADING_NOISE, ""))
}

/** The file name at the end of a path or URL (for examples in messages), or undefined. */
export function baseName(name: string): string | undefined {
  const last = pathOf(name).split(/[\\/]/).pop()
  return last === undefined || last === "" ? undefined : last
}
