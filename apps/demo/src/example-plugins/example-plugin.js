// The seed's "Plugin Structure" example, as stored plugin code. The host reads this file as text and saves
// it with savePlugin; it is never imported by the demo itself. The only change from the seed is the SDK
// import of `column`, which the seed's snippet uses without importing.
import { column } from "@dockstat/plugin-handler"

export default {
  name: "example-plugin",
  version: "1.0.0",

  config: {
    // Database table for plugin data
    table: {
      name: "plugin_data",
      columns: {
        id: column.id(),
        data: column.json(),
      },
      jsonColumns: ["data"],
    },

    // API routes exposed by plugin
    apiRoutes: {
      "/status": {
        method: "GET",
        actions: ["getStatus"],
      },
      "/save": {
        method: "POST",
        actions: ["validateData", "saveData"],
      },
    },

    // Actions that routes can call
    actions: {
      getStatus: ({ table, logger }) => {
        return table.select(["*"]).all()
      },
      validateData: ({ body, logger }) => {
        logger.debug("Validating data")
        return { valid: true, data: body }
      },
      saveData: ({ table, previousAction, logger }) => {
        if (previousAction.valid) {
          table.insert(previousAction.data)
          return { success: true }
        }
        return { success: false }
      },
    },
  },

  // Event hooks for Docker events
  events: {
    onContainerStart: async ({ container, logger }) => {
      logger.info(`Container started: ${container.id}`)
    },
    onContainerStop: async ({ container, logger }) => {
      logger.info(`Container stopped: ${container.id}`)
    },
  },
}
