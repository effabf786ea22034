/**
 * Type behaviour of definePlugin and pluginBuilder: what they infer from a plugin with no type written
 * by hand, and what they refuse. Checked by `tsc` (`pnpm typecheck`) and by vitest's typecheck mode
 * (`pnpm test`): an inference that regresses fails both.
 */
import { describe, expectTypeOf, it } from "vitest"

import { column, sql } from "./column.ts"
import { definePlugin } from "./define-plugin.ts"
import { pluginBuilder } from "./plugin-builder.ts"
import { createActions, createApiRoutes, createEvents, createRoute, createTable } from "./plugin-helpers.ts"
import type { ContainerInfo, InsertResult, Logger, PluginRef } from "./types.ts"
import type { DockerHostId, UpstreamContainerInfo } from "./upstream-events.ts"

const hostColumns = {
  id: column.id(),
  name: column.text({ notNull: true }),
  address: column.varchar(255),
  meta: column.json<{ cpu: number; tags: string[] }>(),
  anyJson: column.json(),
  up: column.boolean({ default: false }),
  seen: column.date(),
  state: column.enum(["up", "down"]),
  port: column.integer({ notNull: true, default: 2375 }),
  created: column.createdAt(),
  stamp: column.timestamp({ asText: true }),
  raw: { type: "INTEGER", notNull: true },
} as const

interface HostRow {
  id: number
  name: string
  address: string | null
  meta: { cpu: number; tags: string[] } | null
  anyJson: unknown
  up: boolean | null
  seen: Date | null
  state: "up" | "down"
  port: number
  created: number
  stamp: string | null
  raw: number
}

describe("definePlugin: rows from columns", () => {
  it("types table in actions and hooks by the columns, non-null when a table is declared", () => {
    definePlugin({
      config: {
        table: { name: "hosts", columns: hostColumns },
        apiRoutes: { "/hosts": { actions: ["list"] } },
        actions: {
          list: ({ table }) => {
            expectTypeOf(table.all()).toEqualTypeOf<HostRow[]>()
            expectTypeOf(table.select(["*"]).where({ state: "up" }).get()).toEqualTypeOf<HostRow | null>()
            expectTypeOf(table.insert).parameter(0).toEqualTypeOf<
              | {
                  name: string
                  state: "up" | "down"
                  raw: number
                  id?: number
                  address?: string | null
                  meta?: { cpu: number; tags: string[] } | null
                  anyJson?: unknown
                  up?: boolean | null
                  seen?: Date | null
                  port?: number
                  created?: number
                  stamp?: string | null
                }
              | readonly {
                  name: string
                  state: "up" | "down"
                  raw: number
                  id?: number
                  address?: string | null
                  meta?: { cpu: number; tags: string[] } | null
                  anyJson?: unknown
                  up?: boolean | null
                  seen?: Date | null
                  port?: number
                  created?: number
                  stamp?: string | null
                }[]
            >()
            expectTypeOf(table.insert({ name: "a", state: "up", raw: 1 })).toEqualTypeOf<InsertResult>()
            expectTypeOf(table.insertAndGet({ name: "a", state: "up", raw: 1 })).toEqualTypeOf<HostRow | null>()
            expectTypeOf(table.where({ up: true }).pluck("name")).toEqualTypeOf<string[]>()
            expectTypeOf(table.where({ up: true }).value("meta")).toEqualTypeOf<{ cpu: number; tags: string[] } | null>()
            return null
          },
        },
      },
      events: {
        onContainerStart: ({ table }) => {
          expectTypeOf(table.all()).toEqualTypeOf<HostRow[]>()
        },
      },
    })
  })

  it("refuses wrong column names and wrong value types in insert, where, update, select and orderBy", () => {
    definePlugin({
      config: {
        table: { name: "hosts", columns: hostColumns },
        actions: {
          misuse: ({ table }) => {
            // @ts-expect-error "nmae" is not a column
            table.insert({ nmae: "a", name: "a", state: "up", raw: 1 })
            // @ts-expect-error name is NOT NULL without a default: required on insert
            table.insert({ state: "up", raw: 1 })
            // @ts-expect-error port holds numbers
            table.insert({ name: "a", state: "up", raw: 1, port: "2375" })
            // @ts-expect-error "sideways" is not one of the enum's values
            table.insert({ name: "a", state: "sideways", raw: 1 })
            // @ts-expect-error meta is json<{ cpu: number; ... }>()
            table.insert({ name: "a", state: "up", raw: 1, meta: { cpu: "high", tags: [] } })
            // @ts-expect-error seen is a date
            table.where({ seen: 5 })
            // @ts-expect-error "hostname" is not a column
            table.where({ hostname: "a" })
            // @ts-expect-error up is a boolean
            table.where({ id: 1 }).update({ up: "yes" })
            // @ts-expect-error "nope" is not a column
            table.where({ id: 1 }).update({ nope: 1 })
            // @ts-expect-error name is NOT NULL
            table.where({ id: 1 }).update({ name: null })
            // @ts-expect-error "nope" is not a column
            table.select(["nope"])
            // @ts-expect-error "nope" is not a column
            table.select(["*"]).orderBy("nope")
            // @ts-expect-error name is required
            table.insertAndGet({ state: "up", raw: 1 })
            // @ts-expect-error "nope" is not a column
            table.whereOp("nope", ">", 1)
            // @ts-expect-error "nope" is not a column
            table.where({ id: 1 }).increment("nope")
          },
        },
      },
    })
  })

  it("gives null as table to a plugin without one", () => {
    definePlugin({
      config: {
        actions: {
          noTable: ({ table }) => {
            expectTypeOf(table).toEqualTypeOf<null>()
          },
        },
      },
      events: { onLoad: ({ table }) => expectTypeOf(table).toEqualTypeOf<null>() },
    })
  })

  it("reads jsonColumns and parser.JSON text columns as unknown JSON, parser.BOOLEAN columns as booleans", () => {
    definePlugin({
      config: {
        table: {
          name: "t",
          columns: { id: column.id(), a: column.text(), b: column.text(), c: column.text(), d: { type: "INTEGER" } },
          jsonColumns: ["a"],
          parser: { JSON: ["b"], BOOLEAN: ["d"] },
        },
        actions: {
          read: ({ table }) => expectTypeOf(table.all()).toEqualTypeOf<{ id: number; a: unknown; b: unknown; c: string | null; d: boolean | null }[]>(),
        },
      },
    })
    definePlugin({
      // @ts-expect-error jsonColumns may name declared columns only
      config: { table: { name: "t", columns: { id: column.id() }, jsonColumns: ["nope"] } },
    })
  })

  it("turns a sql default into optional on insert", () => {
    definePlugin({
      config: {
        table: { name: "t", columns: { day: column.text({ notNull: true, default: sql.now() }) } },
        actions: { add: ({ table }) => table.insert({}) },
      },
    })
  })
})

describe("definePlugin: routes, params and chains", () => {
  it("types params from the paths of the routes that call the action", () => {
    definePlugin({
      config: {
        apiRoutes: {
          "/hosts/:hostId": { method: "GET", actions: ["host"] },
          "DELETE /hosts/:hostId/containers/:id": { actions: ["host", "container"] },
          "/containers/:id": { method: ["GET", "POST"], actions: ["container"] },
          "/all": { actions: ["list"] },
        },
        actions: {
          host: ({ params }) => expectTypeOf(params).toEqualTypeOf<{ hostId: string; id?: string }>(),
          container: ({ params }) => expectTypeOf(params).toEqualTypeOf<{ id: string; hostId?: string }>(),
          list: ({ params }) => {
            expectTypeOf(params).toEqualTypeOf<{}>()
            // @ts-expect-error no route of this action has a :hostId param
            return params.hostId
          },
          unused: ({ params }) => expectTypeOf(params).toEqualTypeOf<{}>(),
        },
      },
    })
    definePlugin({
      config: {
        apiRoutes: { "/hosts/:hostId": { actions: ["host"] } },
        actions: {
          host: ({ params }) => {
            // @ts-expect-error the route's param is hostId
            return params.host
          },
        },
      },
    })
  })

  it("refuses a route naming an action that does not exist", () => {
    definePlugin({
      config: {
        // @ts-expect-error "save" is not an action
        apiRoutes: { "/a": { actions: ["validate", "save"] } },
        actions: { validate: () => true },
      },
    })
  })

  it("types previousAction: undefined first in a chain, the earlier action's awaited result where TypeScript knows it, else any", () => {
    definePlugin({
      config: {
        apiRoutes: { "POST /a": { actions: ["validate", "save"] } },
        actions: {
          validate: ({ previousAction }) => {
            expectTypeOf(previousAction).toEqualTypeOf<undefined>()
            return { valid: true }
          },
          // Between two functions of one object literal TypeScript cannot carry the result (microsoft/TypeScript#53018).
          save: ({ previousAction }) => expectTypeOf(previousAction).toBeAny(),
        },
      },
    })
  })

  it("keeps the rest of the context as the runtime gives it", () => {
    definePlugin({
      config: {
        actions: {
          ctx: ({ logger, query, headers, method, path, plugin, env, body }) => {
            expectTypeOf(logger).toEqualTypeOf<Logger>()
            expectTypeOf(query).toEqualTypeOf<Record<string, string | string[]>>()
            expectTypeOf(headers).toEqualTypeOf<Record<string, string>>()
            expectTypeOf(method).toEqualTypeOf<"GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS">()
            expectTypeOf(path).toEqualTypeOf<string>()
            expectTypeOf(plugin).toEqualTypeOf<PluginRef>()
            expectTypeOf(env).toEqualTypeOf<Readonly<Record<string, string>>>()
            expectTypeOf(body).toBeAny()
          },
        },
      },
    })
  })
})

describe("definePlugin: hooks from the catalog", () => {
  it("types seed hooks by their payload and upstream hooks by their context", () => {
    definePlugin({
      config: { table: { name: "events", columns: { id: column.id(), what: column.text({ notNull: true }) } } },
      events: {
        onContainerStart: ({ container, id, table, logger }, server) => {
          expectTypeOf(container).toEqualTypeOf<ContainerInfo>()
          expectTypeOf(id).toEqualTypeOf<string>()
          expectTypeOf(logger).toEqualTypeOf<Logger>()
          expectTypeOf(server.table).toEqualTypeOf(table)
          table.insert({ what: container.id })
        },
        onImagePull: ({ image }) => expectTypeOf(image.id).toEqualTypeOf<string>(),
        onUpdate: ({ from, to }) => expectTypeOf<[typeof from, typeof to]>().toEqualTypeOf<[string, string]>(),
        onInstall: ({ plugin }) => expectTypeOf(plugin).toEqualTypeOf<PluginRef>(),
        "container:started": (ctx, { table }) => {
          expectTypeOf(ctx.containerInfo).toEqualTypeOf<UpstreamContainerInfo>()
          expectTypeOf(ctx.hostId).toEqualTypeOf<DockerHostId>()
          table.insert({ what: ctx.containerId })
        },
        "host:health:changed": (ctx) => expectTypeOf(ctx.healthy).toEqualTypeOf<boolean>(),
      },
    })
  })

  it("refuses a hook the catalog does not have, and a payload field its hook does not get", () => {
    definePlugin({
      events: {
        // @ts-expect-error not a hook of the catalog
        onContainerExplode: () => {},
      },
    })
    definePlugin({
      events: {
        // @ts-expect-error onImagePull gets an image, not a container
        onImagePull: ({ container }) => container,
      },
    })
  })
})

describe("the seed's examples compile through definePlugin", () => {
  it("example-plugin and data-processor", () => {
    definePlugin({
      name: "example-plugin",
      version: "1.0.0",
      config: {
        table: { name: "plugin_data", columns: { id: column.id(), data: column.json() }, jsonColumns: ["data"] },
        apiRoutes: { "/status": { method: "GET", actions: ["getStatus"] }, "/save": { method: "POST", actions: ["validateData", "saveData"] } },
        actions: {
          getStatus: ({ table }) => table.select(["*"]).all(),
          validateData: ({ body, logger }) => {
            logger.debug("Validating data")
            return { valid: true, data: body }
          },
          saveData: ({ table, previousAction }) => {
            if (previousAction.valid) {
              table.insert(previousAction.data)
              return { success: true }
            }
            return { success: false }
          },
        },
      },
      events: {
        onContainerStart: async ({ container, logger }) => logger.info(`Container started: ${container.id}`),
        onContainerStop: async ({ container, logger }) => logger.info(`Container stopped: ${container.id}`),
      },
    })
    definePlugin({
      name: "data-processor",
      config: {
        apiRoutes: { "/process": { method: "POST", actions: ["parseInput", "validateSchema", "transformData", "saveToDatabase", "sendNotification"] } },
        actions: {
          parseInput: ({ body, logger }) => {
            logger.debug("Parsing input")
            try {
              return { success: true, data: JSON.parse(body) }
            } catch {
              return { success: false, error: "Invalid JSON" }
            }
          },
          validateSchema: ({ previousAction }) => (previousAction.success ? { ...previousAction, valid: true } : previousAction),
          transformData: ({ previousAction }) => (previousAction.valid ? { ...previousAction, data: previousAction.data } : previousAction),
          saveToDatabase: ({ table, previousAction }) => {
            if (!previousAction.valid) return previousAction
            return { ...previousAction, insertId: table === null ? 0 : 1 }
          },
          sendNotification: ({ previousAction, logger }) => {
            logger.info(`Data saved with ID: ${previousAction.insertId}`)
            return { success: true, id: previousAction.insertId }
          },
        },
      },
    })
  })
})

const meta = { name: "p", description: "d", version: "1.0.0", repository: "r", manifest: "m", author: { name: "a" } }

describe("pluginBuilder()", () => {
  it("infers as definePlugin does, and types previousAction across .actions() calls", () => {
    pluginBuilder()
      .meta(meta)
      .table({ name: "hosts", columns: hostColumns })
      .apiRoutes({ "POST /hosts/:hostId": { actions: ["validate", "save"] }, "/hosts": { actions: ["list"] } })
      .actions({
        validate: ({ body, params }) => {
          expectTypeOf(params).toEqualTypeOf<{ hostId: string }>()
          return Promise.resolve({ ok: true as boolean, name: String(body) })
        },
        list: ({ table }) => table.all(),
      })
      .actions({
        save: ({ table, previousAction, params }) => {
          expectTypeOf(previousAction).toEqualTypeOf<{ ok: boolean; name: string }>()
          expectTypeOf(params.hostId).toEqualTypeOf<string>()
          // @ts-expect-error "nmae" is not a column
          table.insert({ nmae: previousAction.name })
          return table.insert({ name: previousAction.name, state: "up", raw: 1 })
        },
      })
      .events({
        "container:started": (ctx, { table }) => expectTypeOf(table.all()).toEqualTypeOf<HostRow[]>(),
        // @ts-expect-error not a hook of the catalog
        "container:exploded": () => {},
      })
      .build()
  })

  it("is a type error to build while a route names an action not added", () => {
    const builder = pluginBuilder().meta(meta).apiRoutes({ "/a": { actions: ["a", "b"] } }).actions({ a: () => 1 })
    // @ts-expect-error action "b" was not added
    builder.build()
    builder.actions({ b: () => 2 }).build()
  })

  it("with upstream's explicit row type, types table by it", () => {
    interface StackConfig extends Record<string, unknown> {
      id: number
      name: string
      port: number
    }
    pluginBuilder<StackConfig>()
      .meta(meta)
      .actions({
        getStacks: ({ table, params, previousAction }) => {
          expectTypeOf(table?.all()).toEqualTypeOf<StackConfig[] | undefined>()
          expectTypeOf(params).toEqualTypeOf<Record<string, string | undefined>>()
          expectTypeOf(previousAction).toBeAny()
          return table?.select(["*"]).all()
        },
      })
      .build()
  })
})

describe("upstream's explicit type arguments", () => {
  interface MyPluginData extends Record<string, unknown> {
    id: number
    name: string
    settings: Record<string, unknown>
  }

  it("pluginBuilder<MyRow, typeof actions>() types table by the row", () => {
    const actions = createActions<MyPluginData>({
      getData: async ({ table }) => table?.select(["*"]).all() ?? [],
    })
    pluginBuilder<MyPluginData, typeof actions>()
      .meta(meta)
      .table({ name: "my_plugin_data", columns: { id: column.id(), name: column.text({ notNull: true }), settings: column.json() }, parser: { JSON: ["settings"] } })
      .actions(actions)
      .apiRoutes({ "/data": { method: "GET", actions: ["getData"] } })
      .events({
        onContainerStart: async (container, { logger, table }) => {
          logger.info(`Container started: ${container.id}`)
          expectTypeOf(table.all()).toEqualTypeOf<MyPluginData[]>()
        },
      })
      .build()
  })
})

describe("upstream's helpers", () => {
  interface MyData extends Record<string, unknown> {
    id: number
    value: string
  }

  it("take upstream's explicit type arguments", () => {
    const actions = createActions<MyData>({
      fetchAll: ({ table }) => {
        expectTypeOf(table).toEqualTypeOf<import("./typed-plugin.ts").TypedTable<MyData, Partial<MyData>> | null>()
        return table?.select(["*"]).all() ?? []
      },
    })
    createRoute<MyData, typeof actions, "fetchAll">({ method: "GET", actions: ["fetchAll"] })
    createApiRoutes<MyData, typeof actions>({ "/list": { method: "GET", actions: ["fetchAll"] } })
    createTable<MyData>({ name: "my_data", columns: { id: column.id(), value: column.text() } })
    createEvents<MyData>({ onContainerStart: (_container, { table }) => void table.insert({ value: "x" }) })
  })

  it("keep their literals without type arguments, so pluginBuilder infers from them", () => {
    const routes = createApiRoutes({ "/notes/:id": { method: "GET", actions: ["byId"] } })
    const table = createTable({ name: "notes", columns: { id: column.id(), title: column.text({ notNull: true }) } })
    pluginBuilder()
      .meta(meta)
      .table(table)
      .apiRoutes(routes)
      .actions({
        byId: ({ table, params }) => {
          expectTypeOf(params).toEqualTypeOf<{ id: string }>()
          return table.where({ id: Number(params.id) }).get()?.title
        },
      })
      .build()
  })
})
