import { PluginError } from "@dockstat/plugin-schema"
import { parseDocument } from "yaml"
import type { DocumentOptions, ParseOptions, SchemaOptions } from "yaml"
import { assertJsonCompatible } from "./json-compatible.ts"

/**
 * How many times alias expansion may copy a node. The library's default is 100 too; it is spelled out
 * because a manifest needs few aliases, and each allowed one multiplies what a hostile document expands to.
 */
export const MAX_YAML_ALIASES = 100

// The YAML 1.2 core schema with nothing added: no custom tags, none of YAML 1.1's known tags
// (!!binary, !!timestamp, !!set, ...) even under a `%YAML 1.1` directive, no `<<` merge keys.
const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: "core",
  customTags: null,
  resolveKnownTags: false,
  merge: false,
  uniqueKeys: true,
  strict: true,
  prettyErrors: true,
}

function firstLine(message: string): string {
  return message.split("\n", 1)[0] ?? message
}

/**
 * Parses one YAML document into plain JSON values, safely: syntax errors, duplicate keys, several
 * documents, unknown tags and alias bombs are refused with a message naming the problem.
 */
export function parseYaml(text: string, where: string): unknown {
  const document = parseDocument(text, PARSE_OPTIONS)
  const error = document.errors[0]
  if (error !== undefined) throw new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: ${firstLine(error.message)}`, { cause: error })
  // The library only warns about a tag it cannot resolve and keeps the value as a string; a manifest
  // that asks for a type we do not support should hear so.
  const unresolved = document.warnings.find((warning) => warning.code === "TAG_RESOLVE_FAILED")
  if (unresolved !== undefined) {
    throw new PluginError(
      "INVALID_INPUT",
      `Invalid YAML in ${where}: ${firstLine(unresolved.message)} (only plain JSON-compatible values are allowed, no tags)`,
    )
  }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES })
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    if (message.includes("Excessive alias count")) {
      throw new PluginError(
        "INVALID_INPUT",
        `Invalid YAML in ${where}: its aliases expand to more than ${MAX_YAML_ALIASES} copies, refused as a possible "billion laughs" attack`,
        { cause },
      )
    }
    throw new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: ${firstLine(message)}`, { cause })
  }
  assertJsonCompatible(value, `Invalid YAML in ${where}`)
  return value
}
