import { column, definePlugin } from "@dockstat/plugin-handler"

definePlugin({
  config: {
    table: { name: "hosts", columns: { id: column.id(), name: column.text({ notNull: true }), up: column.boolean() } },
    // @ts-expect-error "remove" is not an action
    apiRoutes: { "/hosts/:hostId": { actions: ["byId", "remove"] } },
    actions: {
      byId: ({ table, params }) => {
        // @ts-expect-error "nmae" is not a column
        table.insert({ nmae: "web" })
        // @ts-expect-error up holds booleans
        table.where({ up: "yes" }).update({ up: false })
        // @ts-expect-error the route's param is hostId
        return params.id
      },
    },
  },
  events: {
    // @ts-expect-error not a hook of the catalog
    onContainerExplode: () => {},
  },
})
