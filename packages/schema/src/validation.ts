import { z } from "zod"
import { COLUMN_KINDS, FOREIGN_KEY_ACTIONS, INTEGER_SIZES, REAL_VARIANTS, TEXT_VARIANTS } from "./column.ts"
import type { ColumnDescriptor } from "./column.ts"
import { normalizeColumn } from "./column-normalize.ts"
import { columnProblems } from "./column-rules.ts"
import { isHookName } from "./event-catalog.ts"
import { frontendConfigSchema } from "./frontend.ts"
import { RESERVED_TABLE_NAMES } from "./host-tables.ts"
import { permissionsSchema } from "./permissions.ts"
import { ROUTE_KEY } from "./route-key.ts"
import { HTTP_METHODS } from "./types.ts"

/** SQL identifiers a plugin may use for its table and columns (always quoted when used). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

const identifier = (what: string) =>
  z.string().regex(IDENTIFIER, `${what} must start with a letter or _ and hold only letters, digits and _ (at most 63)`)

const jsonValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.record(z.string(), z.unknown()), z.array(z.unknown())])

export const columnDescriptorSchema = z.strictObject({
  kind: z.enum(COLUMN_KINDS),
  notNull: z.boolean().optional(),
  unique: z.boolean().optional(),
  primaryKey: z.boolean().optional(),
  defaultNow: z.boolean().optional(),
  default: jsonValue.optional(),
  defaultSql: z.string().min(1).max(2000).optional(),
  check: z.string().min(1).max(2000).optional(),
  length: z.number().int().positive().max(1_000_000_000).optional(),
  size: z.enum(INTEGER_SIZES).optional(),
  variant: z.enum([...REAL_VARIANTS, ...TEXT_VARIANTS, "DECIMAL"]).optional(),
  precision: z.number().int().positive().max(1000).optional(),
  scale: z.number().int().nonnegative().max(1000).optional(),
  asText: z.boolean().optional(),
  values: z.array(z.string()).min(1).optional(),
  references: z
    .strictObject({
      table: z.string(),
      column: z.string(),
      onDelete: z.enum(FOREIGN_KEY_ACTIONS).optional(),
      onUpdate: z.enum(FOREIGN_KEY_ACTIONS).optional(),
    })
    .optional(),
})

/** A column as a plugin may write it: a descriptor, or a raw column object (normalized to a descriptor). */
const columnSchema = z
  .unknown()
  .transform((value, ctx) => {
    const normalized = normalizeColumn(value)
    if ("error" in normalized) {
      ctx.addIssue({ code: "custom", message: normalized.error })
      return z.NEVER
    }
    return normalized.descriptor as unknown
  })
  .pipe(columnDescriptorSchema)

export const tableConfigSchema = z
  .object({
    name: identifier("table name"),
    columns: z.record(identifier("column name"), columnSchema),
    jsonColumns: z.array(z.string()).optional(),
    /** DockStat's parser: JSON and BOOLEAN name columns whose values are converted (MODULE is ignored). */
    parser: z
      .looseObject({
        JSON: z.array(z.string()).optional(),
        BOOLEAN: z.array(z.string()).optional(),
      })
      .optional(),
  })
  .superRefine((table, ctx) => {
    const lower = table.name.toLowerCase()
    if (RESERVED_TABLE_NAMES.has(lower) || lower.startsWith("sqlite_") || lower.startsWith("__drizzle")) {
      ctx.addIssue({ code: "custom", path: ["name"], message: `"${table.name}" is reserved for the host` })
    }
    const names = Object.keys(table.columns)
    if (names.length === 0) ctx.addIssue({ code: "custom", path: ["columns"], message: "a table needs at least one column" })
    const seen = new Set<string>()
    for (const name of names) {
      if (seen.has(name.toLowerCase())) {
        ctx.addIssue({ code: "custom", path: ["columns", name], message: `column "${name}" is declared twice (names are case-insensitive)` })
      }
      seen.add(name.toLowerCase())
    }
    for (const problem of columnProblems(table.name, table.columns as Record<string, ColumnDescriptor>)) {
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message })
    }
    const listed: [string, string[] | undefined][] = [
      ["jsonColumns", table.jsonColumns],
      ["parser.JSON", table.parser?.JSON],
      ["parser.BOOLEAN", table.parser?.BOOLEAN],
    ]
    for (const [key, list] of listed) {
      for (const [index, name] of (list ?? []).entries()) {
        if (!Object.hasOwn(table.columns, name)) {
          ctx.addIssue({ code: "custom", path: [...key.split("."), index], message: `"${name}" is not a declared column` })
        }
      }
    }
  })

const methodSchema = z.preprocess(
  (value) => (typeof value === "string" ? value.toUpperCase() : value),
  z.enum(HTTP_METHODS),
)

export const routeConfigSchema = z.object({
  method: z.union([methodSchema, z.array(methodSchema).min(1)]).optional(),
  actions: z.array(z.string().min(1)).min(1, "a route needs at least one action"),
})


const fn = (what: string) => z.custom<(...args: never[]) => unknown>((value) => typeof value === "function", `${what} must be a function`)

/** The default export of a plugin module. Unknown top-level keys are allowed and ignored. */
export const pluginModuleSchema = z
  .looseObject({
    id: z.unknown().optional(),
    name: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    description: z.string().optional(),
    config: z
      .looseObject({
        table: tableConfigSchema.optional(),
        apiRoutes: z.record(z.string(), routeConfigSchema).optional(),
        actions: z.record(z.string(), fn("an action")).optional(),
        frontend: frontendConfigSchema.optional(),
      })
      .optional(),
    events: z.record(z.string(), fn("an event hook")).optional(),
  })
  .superRefine((plugin, ctx) => {
    const actions = plugin.config?.actions ?? {}
    for (const [key, route] of Object.entries(plugin.config?.apiRoutes ?? {})) {
      if (!ROUTE_KEY.test(key)) {
        ctx.addIssue({ code: "custom", path: ["config", "apiRoutes", key], message: `route "${key}" must be a path starting with "/" (optionally after a method)` })
      }
      for (const [index, action] of route.actions.entries()) {
        if (!Object.hasOwn(actions, action)) {
          ctx.addIssue({
            code: "custom",
            path: ["config", "apiRoutes", key, "actions", index],
            message: `route "${key}" names action "${action}", which config.actions does not define`,
          })
        }
      }
    }
    for (const hook of Object.keys(plugin.events ?? {})) {
      if (!isHookName(hook)) {
        ctx.addIssue({ code: "custom", path: ["events", hook], message: `"${hook}" is not a known event hook` })
      }
    }
  })

/** Plugin names: what the seed's examples use, safe in logs, URLs and table ownership. */
export const PLUGIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

const pluginMetadata = {
  name: z.string().regex(PLUGIN_NAME, "name must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit"),
  version: z.string().min(1, "version must not be empty").max(64),
  description: z.string().max(10_000).optional(),
  repoType: z.enum(["github", "gitlab", "local", "default"]),
  repository: z.string().min(1, "repository must not be empty"),
  manifest: z.string().min(1, "manifest must not be empty"),
  author: z.looseObject({ name: z.string().optional(), email: z.string().optional(), url: z.string().optional() }),
  tags: z.array(z.string()).optional(),
  /** Hosts `fetch` may reach and environment variables the plugin receives (see permissions.ts). */
  permissions: permissionsSchema.optional(),
  /** An update may drop or retype table columns (or move to another table name): data is lost. */
  allowDataLoss: z.boolean().optional(),
}

/** What `savePlugin` takes: the seed's `DBPluginSchema` (id optional; set by the handler). */
export const pluginInputSchema = z.object({
  id: z.number().int().positive().optional(),
  ...pluginMetadata,
  plugin: z.string().min(1, "plugin (the module's code) must not be empty"),
})

/** An SRI string for the plugin code: `sha256-`, `sha384-` or `sha512-` and the base64 of that digest. */
export const INTEGRITY = /^(?:sha256-[A-Za-z0-9+/]{43}=|sha384-[A-Za-z0-9+/]{64}|sha512-[A-Za-z0-9+/]{86}==)$/

/** A manifest: the plugin's metadata and its code, inline (`plugin`) or by URL (`pluginUrl`). */
export const manifestSchema = z
  .object({
    ...pluginMetadata,
    repository: pluginMetadata.repository.optional(),
    manifest: pluginMetadata.manifest.optional(),
    repoType: pluginMetadata.repoType.optional(),
    author: pluginMetadata.author.optional(),
    plugin: z.string().min(1, "plugin (the module's code) must not be empty").optional(),
    pluginUrl: z.string().min(1).optional(),
    integrity: z.string().regex(INTEGRITY, "integrity must be sha256-, sha384- or sha512-<base64 of the code's digest>").optional(),
  })
  .superRefine((manifest, ctx) => {
    if (manifest.plugin === undefined && manifest.pluginUrl === undefined) {
      ctx.addIssue({ code: "custom", path: ["plugin"], message: "a manifest needs the code inline (plugin) or a pluginUrl" })
    }
    if (manifest.plugin !== undefined && manifest.pluginUrl !== undefined) {
      ctx.addIssue({ code: "custom", path: ["pluginUrl"], message: "give either plugin or pluginUrl, not both" })
    }
  })

/** What `savePlugin` accepts (`permissions` lists may be left out). */
export type PluginInput = z.input<typeof pluginInputSchema>
/** `PluginInput` after validation: `permissions`, when given, normalized. */
export type ValidPluginInput = z.output<typeof pluginInputSchema>
export type Manifest = z.infer<typeof manifestSchema>
export type ValidPluginModule = z.infer<typeof pluginModuleSchema>

/** One line per issue, each naming the field: `author: expected object, received undefined`. */
export function formatZodError(error: z.ZodError, subject?: string): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.map(String).join(".")
    return path ? `${path}: ${issue.message}` : issue.message
  })
  return `${subject ? `${subject}: ` : ""}${lines.join("; ")}`
}
