// Records the Docker container events the host delivers into its table and lists them at /events.
// Shows the events side of a plugin: hooks get `container` (id, name, image, labels, state), the
// `hostId` of the Docker host it happened on, and the plugin's own table, in whichever runtime it runs.
import { column } from "@dockstat/plugin-handler"

const record = (hook) => ({ container, hostId, table }) => {
  table.insert({
    hook,
    hostId: hostId === undefined ? null : String(hostId),
    containerId: container.id,
    name: container.name ?? null,
    image: container.image ?? null,
    state: container.state ?? null,
    labels: container.labels ?? {},
  })
}

export default {
  name: "container-events",
  version: "1.0.0",
  config: {
    table: {
      name: "container_events",
      columns: {
        id: column.id(),
        hook: column.text({ notNull: true }),
        hostId: column.text(),
        containerId: column.text({ notNull: true }),
        name: column.text(),
        image: column.text(),
        state: column.text(),
        labels: column.json(),
        at: column.date({ defaultNow: true }),
      },
    },
    apiRoutes: {
      "/events": { method: "GET", actions: ["latest"] },
      "/events/:containerId": { method: "GET", actions: ["forContainer"] },
    },
    actions: {
      latest: ({ table, query }) => {
        const limit = Math.min(Number(query.limit ?? 100) || 100, 1000)
        return table.select(["*"]).orderBy("id", "desc").limit(limit).all()
      },
      forContainer: ({ table, params }) => table.select(["*"]).where({ containerId: params.containerId }).orderBy("id", "desc").all(),
    },
  },
  events: {
    onContainerCreate: record("create"),
    onContainerStart: record("start"),
    onContainerStop: record("stop"),
    onContainerRestart: record("restart"),
    onContainerDie: record("die"),
    onContainerKill: record("kill"),
    onContainerPause: record("pause"),
    onContainerUnpause: record("unpause"),
    onContainerDestroy: record("destroy"),
  },
}
