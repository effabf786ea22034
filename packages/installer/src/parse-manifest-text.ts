import { PluginError, errorMessage } from "@dockstat/plugin-schema"
import { baseName, chooseFormat, isHtml, looksLikeCode } from "./manifest-format.ts"
import { parseYaml } from "./parse-yaml.ts"

/**
 * Parses a manifest's text as JSON or YAML, chosen by `hint.name`'s extension, then `hint.contentType`,
 * then the text itself. The result is a plain object (not yet validated against the manifest schema).
 * Throws a PluginError INVALID_INPUT saying what is wrong: empty, plugin code (JavaScript) instead of a
 * manifest (with how to wrap it), an HTML page, a syntax error with its
 * position, a YAML alias bomb or tag, or a document that is not an object.
 *
 * @example
 * parseManifestText("name: hello\nversion: 1.0.0\n", { name: "manifest.yaml" })
 * // { name: "hello", version: "1.0.0" }
 */
export function parseManifestText(text: string, hint: { name?: string; contentType?: string }): unknown {
  const where = hint.name ?? "the manifest"
  const subject = hint.name === undefined ? "The manifest" : `The manifest ${hint.name}`
  if (text.trim() === "") throw new PluginError("INVALID_INPUT", `${subject} is empty`)
  if (looksLikeCode(text, hint)) {
    const file = hint.name === undefined ? undefined : baseName(hint.name)
    const pluginUrl = file !== undefined && /\.[cm]?js$/i.test(file) ? `./${file}` : "./index.js"
    throw new PluginError(
      "INVALID_INPUT",
      `${hint.name === undefined ? "This" : hint.name} is plugin code (JavaScript), not a manifest. Install a manifest that points at it: ` +
        `save {"name": "my-plugin", "version": "1.0.0", "pluginUrl": "${pluginUrl}"} as manifest.json beside the code ` +
        `(or YAML; or put the code inline as "plugin") and install manifest.json`,
    )
  }
  if (isHtml(text, hint.contentType)) {
    throw new PluginError(
      "INVALID_INPUT",
      `Got an HTML page, not a manifest, from ${where} (link the raw JSON or YAML file, not a web page about it)`,
    )
  }
  const choice = chooseFormat(text, hint)
  let value: unknown
  if (choice.format === "json") {
    try {
      value = JSON.parse(text)
    } catch (cause) {
      throw new PluginError("INVALID_INPUT", `Invalid JSON in ${where} (read as JSON because of ${choice.by}): ${errorMessage(cause)}`, { cause })
    }
  } else {
    value = parseYaml(text, where)
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`
    throw new PluginError("INVALID_INPUT", `${subject} must be an object (a map of fields), got ${got}`)
  }
  return value
}
