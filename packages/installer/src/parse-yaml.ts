import { PluginError } from "@dockstat/plugin-schema"
import { Lexer, Parser, isMap, isScalar, isSeq, parseDocument } from "yaml"
import type { CST, Document, DocumentOptions, ParseOptions, SchemaOptions } from "yaml"
import { assertJsonCompatible } from "./json-compatible.ts"

/**
 * How many times alias expansion may copy a node. The library's default is 100 too; it is spelled out
 * because a manifest needs few aliases, and each allowed one multiplies what a hostile document expands to.
 */
export const MAX_YAML_ALIASES = 100

/**
 * Deepest nesting of collections, and most collection entries, a manifest may have. A manifest needs a
 * handful of each. The YAML library composes nested collections recursively: a 20 KB document of
 * nested `[` overflowed the stack, and repeated overflows ended the process (a V8 fatal error, which
 * nothing can catch). Checked before the document is composed, without recursion.
 */
export const MAX_YAML_DEPTH = 64
export const MAX_YAML_ENTRIES = 10_000

// The YAML 1.2 core schema with nothing added: no custom tags, none of YAML 1.1's known tags
// (!!binary, !!timestamp, !!set, ...) even under a `%YAML 1.1` directive, no `<<` merge keys.
const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: "core",
  customTags: null,
  resolveKnownTags: false,
  merge: false,
  // Duplicate keys are refused by duplicateKey below, in linear time: the library's own check compares
  // every pair of keys (75,000 keys held the event loop for 52 s).
  uniqueKeys: false,
  strict: true,
  prettyErrors: true,
}

function firstLine(message: string): string {
  return message.split("\n", 1)[0] ?? message
}

/** The nesting and size of the document, checked on the lexer's tokens and the CST, before composing. */
function checkNesting(text: string, where: string): void {
  const tooDeep = () => new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: it nests collections more than ${MAX_YAML_DEPTH} deep`)
  const tooMany = () => new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: it has more than ${MAX_YAML_ENTRIES} entries in its collections`)
  // Flow nesting and entries first, on the lexer's tokens, stopping at the first one too many: building
  // the CST of a megabyte of nested `[` or of keys would take seconds by itself. Every entry has a `:`,
  // `-` or `,` token of its own, so counting those never counts fewer entries than there are.
  let flow = 0
  let markers = 0
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") {
      if (++flow > MAX_YAML_DEPTH) throw tooDeep()
    } else if (token === "]" || token === "}") {
      // A closing bracket with nothing open: the document is broken, and the library would build one
      // detailed error per such token (160 KB of `]` held the event loop for minutes).
      if (--flow < 0) throw new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: a closing ${token} with no ${token === "]" ? "[" : "{"} open`)
    }
    else if ((token === ":" || token === "-" || token === ",") && ++markers > 2 * MAX_YAML_ENTRIES) throw tooMany()
  }
  // Then block and flow together, and the number of entries, on the CST (its parser keeps an explicit stack).
  const pending: [CST.Token, number][] = []
  for (const token of new Parser().parse(text)) {
    // The first syntax error is enough to refuse, before the library details every following one.
    if (token.type === "error") throw new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: ${firstLine(token.message)}`)
    pending.push([token, 0])
  }
  let entries = 0
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, depth] = next
    if (token.type === "document") {
      if (token.value !== undefined) pending.push([token.value, depth])
      continue
    }
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection") continue
    if (depth + 1 > MAX_YAML_DEPTH) throw tooDeep()
    entries += token.items.length
    if (entries > MAX_YAML_ENTRIES) throw tooMany()
    for (const item of token.items) {
      if ("key" in item && item.key) pending.push([item.key, depth + 1])
      if (item.value) pending.push([item.value, depth + 1])
    }
  }
}

/** The first key that appears twice in one mapping, as text, or undefined. Linear, without recursion. */
function duplicateKey(document: Document): string | undefined {
  const pending: unknown[] = [document.contents]
  for (let node = pending.pop(); pending.length > 0 || node !== undefined; node = pending.pop()) {
    if (isMap(node)) {
      const seen = new Set<string>()
      for (const pair of node.items) {
        // Keys become property names: 1 and "1" are the same key.
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key)
        if (seen.has(key)) return key
        seen.add(key)
        pending.push(pair.value)
      }
    } else if (isSeq(node)) {
      for (const item of node.items) pending.push(item)
    }
  }
  return undefined
}

/**
 * Parses one YAML document into plain JSON values, safely: syntax errors, duplicate keys, several
 * documents, unknown tags, alias bombs and deep or huge nesting are refused with a message naming the problem.
 */
export function parseYaml(text: string, where: string): unknown {
  checkNesting(text, where)
  const document = parseDocument(text, PARSE_OPTIONS)
  const error = document.errors[0]
  if (error !== undefined) throw new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: ${firstLine(error.message)}`, { cause: error })
  const duplicate = duplicateKey(document)
  if (duplicate !== undefined) throw new PluginError("INVALID_INPUT", `Invalid YAML in ${where}: the key ${JSON.stringify(duplicate)} appears twice in one mapping`)
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
