/**
 * What a table's column descriptors may say, beyond their shape: which options fit which kind, SQL
 * fragments (defaults, CHECKs) that pass the fragment check, foreign keys that stay inside the plugin's
 * own table. Each problem is returned with the path it concerns.
 */
import type { ColumnDescriptor } from "./column.ts"
import { COLUMN_PLACEHOLDER, checkSqlFragment, quoteSqlIdentifier } from "./sql-expression.ts"

export interface ColumnProblem {
  path: (string | number)[]
  message: string
}

/** Options and the kinds they apply to. */
const OPTION_KINDS: Record<string, readonly string[]> = {
  size: ["integer"],
  variant: ["real", "numeric", "text"],
  length: ["varchar", "char", "text"],
  precision: ["numeric"],
  scale: ["numeric"],
  asText: ["timestamp"],
  values: ["enum"],
  defaultNow: ["date"],
}
const VARIANTS: Record<string, readonly string[]> = {
  real: ["DOUBLE", "FLOAT"],
  numeric: ["DECIMAL"],
  text: ["VARCHAR", "CHAR", "CLOB", "NCHAR", "NVARCHAR"],
}

/** The CHECK of a column with `{{COLUMN}}` replaced by its quoted name. */
export function columnCheckSql(column: string, check: string): string {
  return check.replaceAll(COLUMN_PLACEHOLDER, quoteSqlIdentifier(column))
}

/** Problems of one table's columns (an empty list when they are fine). */
export function columnProblems(tableName: string, columns: Readonly<Record<string, ColumnDescriptor>>): ColumnProblem[] {
  const problems: ColumnProblem[] = []
  const names = Object.keys(columns)
  const lowerNames = new Set(names.map((name) => name.toLowerCase()))
  const keys = names.filter((name) => columns[name]?.kind === "id" || columns[name]?.primaryKey)
  if (keys.length > 1) problems.push({ path: ["columns"], message: `only one primary key column (id() or primaryKey) is allowed, got ${keys.join(", ")}` })
  for (const name of names) {
    const descriptor = columns[name] as ColumnDescriptor
    const at = (key: string) => ["columns", name, key]
    // The table API reaches a row by its rowid as _rowid_: a column of that name would hide it.
    if (name.toLowerCase() === "_rowid_") problems.push({ path: ["columns", name], message: '"_rowid_" is reserved by SQLite for the row id' })
    for (const [option, kinds] of Object.entries(OPTION_KINDS)) {
      if ((descriptor as unknown as Record<string, unknown>)[option] !== undefined && !kinds.includes(descriptor.kind)) {
        problems.push({ path: at(option), message: `${option} is for ${kinds.join("/")} columns, not ${descriptor.kind}` })
      }
    }
    if (descriptor.variant !== undefined && !(VARIANTS[descriptor.kind] ?? []).includes(descriptor.variant)) {
      problems.push({ path: at("variant"), message: `variant ${descriptor.variant} does not fit a ${descriptor.kind} column` })
    }
    if ((descriptor.kind === "varchar" || descriptor.kind === "char") && descriptor.length === undefined) {
      problems.push({ path: at("length"), message: `${descriptor.kind}() needs a length` })
    }
    if (descriptor.kind === "id" && (descriptor.default !== undefined || descriptor.defaultSql !== undefined)) {
      problems.push({ path: at("default"), message: "an id() column takes no default" })
    }
    if (descriptor.kind === "enum") {
      const values = descriptor.values ?? []
      if (values.length === 0) problems.push({ path: at("values"), message: "enum() needs at least one value" })
      if (new Set(values).size !== values.length) problems.push({ path: at("values"), message: "enum() values must be distinct" })
      if (typeof descriptor.default === "string" && !values.includes(descriptor.default)) {
        problems.push({ path: at("default"), message: `the default "${descriptor.default}" is not one of the enum values` })
      }
    }
    if (descriptor.default !== undefined && descriptor.defaultSql !== undefined) {
      problems.push({ path: at("default"), message: "give default or a sql.* default expression, not both" })
    }
    if (descriptor.defaultSql !== undefined) {
      const why = checkSqlFragment(descriptor.defaultSql, { what: `the default of column "${name}"`, names: new Set(), params: false, queries: false, maxLength: 2000 })
      if (why !== null) problems.push({ path: at("defaultSql"), message: why })
    }
    if (descriptor.check !== undefined) {
      const why = checkSqlFragment(columnCheckSql(name, descriptor.check), { what: `the check of column "${name}"`, names: lowerNames, params: false, queries: false, maxLength: 2000 })
      if (why !== null) problems.push({ path: at("check"), message: why })
    }
    const references = descriptor.references
    if (references !== undefined) {
      if (references.table.toLowerCase() !== tableName.toLowerCase()) {
        problems.push({
          path: at("references"),
          message: `foreignKey may reference only this plugin's own table "${tableName}", not "${references.table}"`,
        })
      } else {
        const target = columns[references.column]
        if (target === undefined) problems.push({ path: at("references"), message: `foreignKey references column "${references.column}", which the table does not declare` })
        else if (target.kind !== "id" && !target.primaryKey && !target.unique) {
          problems.push({ path: at("references"), message: `foreignKey references column "${references.column}", which is neither the primary key nor unique` })
        }
      }
    }
  }
  return problems
}
