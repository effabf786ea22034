import { describe, expect, it } from "vitest"

import { column } from "./column.ts"
import { isSimplePluginModule } from "./plugin-module-check.ts"
import { pluginModuleSchema } from "./validation.ts"

type Module = Record<string, any>

/** A module using every part the schema checks. */
function fullModule(): Module {
  return {
    id: 7,
    name: "full",
    version: "1.0.0",
    description: "",
    config: {
      table: {
        name: "full_items",
        columns: { id: column.id(), label: column.text({ notNull: true, default: "x" }), n: column.integer({ default: 3 }), seen: column.date({ defaultNow: true }), flag: column.boolean({ default: null as never }), data: column.json() },
        jsonColumns: ["data"],
      },
      apiRoutes: {
        "/items": { method: "GET", actions: ["list"] },
        "POST /items": { method: ["post", "PUT"], actions: ["save", "list"] },
        "/items/:id": { actions: ["list"], note: "unknown keys are stripped" },
      },
      actions: { list: () => [], save: async () => undefined },
      other: { anything: true },
    },
    events: { onContainerStart: () => {}, onBoot: async () => {} },
    extra: Symbol("top-level keys are free"),
  }
}

const zodAccepts = (value: unknown) => pluginModuleSchema.safeParse(value).success

/** Each way to change the full module, and whether zod must still accept it. */
const mutations: [string, (module: Module) => unknown, boolean][] = [
  ["as is", (m) => m, true],
  ["empty module", () => ({}), true],
  ["no config", (m) => ({ name: m.name }), true],
  ["null prototype", (m) => Object.assign(Object.create(null), m), true],
  ["array default export", () => [], false],
  ["null", () => null, false],
  ["a string", () => "module", false],
  ["empty name", (m) => ((m.name = ""), m), false],
  ["numeric name", (m) => ((m.name = 1), m), false],
  ["empty version", (m) => ((m.version = ""), m), false],
  ["numeric description", (m) => ((m.description = 1), m), false],
  ["undefined name", (m) => ((m.name = undefined), m), true],
  ["config is an array", (m) => ((m.config = []), m), false],
  ["config is null", (m) => ((m.config = null), m), false],
  ["config is a class instance", (m) => ((m.config = Object.assign(new (class Config {})(), m.config)), m), true],
  ["events is an array", (m) => ((m.events = []), m), false],
  ["unknown hook", (m) => ((m.events.onSomething = () => {}), m), false],
  ["hook is not a function", (m) => ((m.events.onBoot = "x"), m), false],
  ["action is not a function", (m) => ((m.config.actions.list = {}), m), false],
  ["actions is an array", (m) => ((m.config.actions = [() => {}]), m), false],
  ["route names a missing action", (m) => ((m.config.apiRoutes["/items"].actions = ["nope"]), m), false],
  ["route with no actions", (m) => ((m.config.apiRoutes["/items"].actions = []), m), false],
  ["route actions is a string", (m) => ((m.config.apiRoutes["/items"].actions = "list"), m), false],
  ["empty action name", (m) => ((m.config.apiRoutes["/items"].actions = [""]), m), false],
  ["sparse actions", (m) => ((m.config.apiRoutes["/items"].actions = [, "list"]), m), false],
  ["numeric action name", (m) => ((m.config.apiRoutes["/items"].actions = [1]), m), false],
  ["route key without slash", (m) => ((m.config.apiRoutes.items = { actions: ["list"] }), m), false],
  ["route key with an unknown method", (m) => ((m.config.apiRoutes["FETCH /x"] = { actions: ["list"] }), m), false],
  ["lower-case method", (m) => ((m.config.apiRoutes["/items"].method = "delete"), m), true],
  ["method upper-cased by Unicode rules", (m) => ((m.config.apiRoutes["/items"].method = "po\u017Ft"), m), true],
  ["unknown method", (m) => ((m.config.apiRoutes["/items"].method = "FETCH"), m), false],
  ["empty method list", (m) => ((m.config.apiRoutes["/items"].method = []), m), false],
  ["sparse method list", (m) => ((m.config.apiRoutes["/items"].method = [, "GET"]), m), false],
  ["numeric method", (m) => ((m.config.apiRoutes["/items"].method = 1), m), false],
  ["route is an array", (m) => ((m.config.apiRoutes["/items"] = [["list"]]), m), false],
  ["route is null", (m) => ((m.config.apiRoutes["/items"] = null), m), false],
  ["apiRoutes is an array", (m) => ((m.config.apiRoutes = []), m), false],
  ["table is an array", (m) => ((m.config.table = []), m), false],
  ["table name with a dash", (m) => ((m.config.table.name = "full-items"), m), false],
  ["reserved table name", (m) => ((m.config.table.name = "Plugins"), m), false],
  ["sqlite_ table name", (m) => ((m.config.table.name = "SQLITE_x"), m), false],
  ["__drizzle table name", (m) => ((m.config.table.name = "__drizzle_x"), m), false],
  ["no columns", (m) => ((m.config.table.columns = {}), m), false],
  ["columns is an array", (m) => ((m.config.table.columns = [column.id()]), m), false],
  ["column name with a dash", (m) => ((m.config.table.columns["a-b"] = column.text()), m), false],
  ["two id columns", (m) => ((m.config.table.columns.other = column.id()), m), false],
  ["same column twice, other case", (m) => ((m.config.table.columns.LABEL = column.text()), m), false],
  ["unknown column kind", (m) => ((m.config.table.columns.label = { kind: "varchar" }), m), false],
  ["unknown descriptor key", (m) => ((m.config.table.columns.label = { kind: "text", size: 3 }), m), false],
  ["notNull not a boolean", (m) => ((m.config.table.columns.label = { kind: "text", notNull: "yes" }), m), false],
  ["defaultNow on a text column", (m) => ((m.config.table.columns.label = { kind: "text", defaultNow: true }), m), false],
  ["NaN default", (m) => ((m.config.table.columns.n = { kind: "integer", default: Number.NaN }), m), false],
  ["infinite default", (m) => ((m.config.table.columns.n = { kind: "integer", default: Number.POSITIVE_INFINITY }), m), false],
  ["object default", (m) => ((m.config.table.columns.data = { kind: "json", default: { a: 1 } }), m), true],
  ["array default", (m) => ((m.config.table.columns.data = { kind: "json", default: [1] }), m), true],
  ["function default", (m) => ((m.config.table.columns.data = { kind: "json", default: () => 1 }), m), false],
  ["undeclared json column", (m) => ((m.config.table.jsonColumns = ["nope"]), m), false],
  ["sparse json columns", (m) => ((m.config.table.jsonColumns = [, "data"]), m), false],
  ["json columns is a string", (m) => ((m.config.table.jsonColumns = "data"), m), false],
  ["unknown table key (zod strips it)", (m) => ((m.config.table.extra = "stripped"), m), true],
  ["DockStat parser", (m) => ((m.config.table.parser = { JSON: ["data"] }), m), true],
  ["parser names an undeclared column", (m) => ((m.config.table.parser = { BOOLEAN: ["nope"] }), m), false],
  ["_rowid_ column", (m) => ((m.config.table.columns._ROWID_ = column.integer()), m), false],
  ["id column with a default", (m) => ((m.config.table.columns.id = { kind: "id", default: 1 }), m), false],
  ["varchar with a length", (m) => ((m.config.table.columns.label = column.varchar(10)), m), true],
  ["enum without values", (m) => ((m.config.table.columns.label = { kind: "enum" }), m), false],
  ["enum default not a value", (m) => ((m.config.table.columns.label = { kind: "enum", values: ["a"], default: "b" }), m), false],
  ["frontend", (m) => ((m.config.frontend = { routes: [] }), m), true],
  ["frontend with a function", (m) => ((m.config.frontend = { routes: [], extra: { fn: () => 1 } }), m), false],
  ["descriptor is a class instance", (m) => ((m.config.table.columns.label = Object.assign(new (class Column {})(), { kind: "text" })), m), true],
  [
    "__proto__ action key",
    (m) => ((m.config.actions = JSON.parse('{"__proto__": 1}')), (m.config.actions.__proto__list = () => {}), m),
    false,
  ],
  [
    "__proto__ route action",
    (m) => {
      m.config.actions = JSON.parse('{"__proto__": 1}')
      Object.defineProperty(m.config.actions, "__proto__", { value: () => {}, enumerable: true })
      m.config.apiRoutes = { "/x": { actions: ["__proto__"] } }
      return m
    },
    false,
  ],
  ["symbol action key", (m) => ((m.config.actions[Symbol("s")] = () => {}), m), false],
  ["non-enumerable action", (m) => (Object.defineProperty(m.config.actions, "hidden", { value: 1, enumerable: false }), m), true],
  ["getter for a hook", (m) => (Object.defineProperty(m.events, "onBoot", { get: () => () => {}, enumerable: true }), m), true],
]

describe("isSimplePluginModule", () => {
  it.each(mutations)("%s: never accepts what pluginModuleSchema refuses", (_, mutate, valid) => {
    const candidate = mutate(fullModule())
    expect(zodAccepts(candidate)).toBe(valid)
    if (isSimplePluginModule(candidate)) expect(zodAccepts(candidate)).toBe(true)
  })

  it("accepts the plain modules plugins are written as (so zod is not needed for them)", () => {
    const plain = mutations.filter(([name]) => ["as is", "empty module", "no config", "null prototype", "undefined name", "lower-case method", "method upper-cased by Unicode rules"].includes(name))
    for (const [name, mutate] of plain) expect([name, isSimplePluginModule(mutate(fullModule()))]).toEqual([name, true])
  })
})
