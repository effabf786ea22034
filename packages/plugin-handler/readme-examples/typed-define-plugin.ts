import { column, definePlugin, reply } from "@dockstat/plugin-handler"

export default definePlugin({
  name: "hosts",
  version: "1.0.0",
  config: {
    table: {
      name: "hosts",
      columns: { id: column.id(), name: column.text({ notNull: true }), meta: column.json<{ cpu: number }>(), up: column.boolean({ default: false }) },
    },
    apiRoutes: {
      "/hosts/:hostId": { method: "GET", actions: ["byId"] },
      "POST /hosts": { actions: ["create"] },
    },
    actions: {
      // params: { hostId: string }; the row: { id: number; name: string; meta: { cpu: number } | null; up: boolean | null }
      byId: ({ table, params }) => table.where({ id: Number(params.hostId) }).get() ?? reply({ error: "no such host" }, { status: 404 }),
      // insert needs `name` (NOT NULL, no default); meta must be { cpu: number }
      create: ({ table, body }) => reply({ id: table.insert({ name: String(body.name), meta: { cpu: 0 } }).insertId }, { status: 201 }),
    },
  },
  events: {
    onContainerStart: ({ container, table }) => {
      table.insert({ name: container.id })
    },
  },
})
