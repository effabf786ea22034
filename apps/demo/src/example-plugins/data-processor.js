// The seed's "Multi-Action Routes" example, as stored plugin code (read as text by the host, never
// imported by the demo). The seed leaves the validation and the transform as placeholders and inserts
// into a table it never declares; both are filled in here so the chain really runs end to end.
import { column } from "@dockstat/plugin-handler"

export default {
  name: "data-processor",
  config: {
    // Not in the seed: saveToDatabase needs a table to insert into.
    table: {
      name: "processed_items",
      columns: {
        id: column.id(),
        message: column.text({ notNull: true }),
        processedAt: column.date(),
        payload: column.json(),
      },
    },
    apiRoutes: {
      "/process": {
        method: "POST",
        actions: [
          "parseInput",
          "validateSchema",
          "transformData",
          "saveToDatabase",
          "sendNotification",
        ],
      },
    },
    actions: {
      parseInput: ({ body, logger }) => {
        logger.debug("Parsing input")
        try {
          // The seed parses a text body. The host already parses a JSON request body by its content
          // type, so an object arrives as is; a text/plain body still goes through JSON.parse.
          return { success: true, data: typeof body === "string" ? JSON.parse(body) : body }
        } catch {
          return { success: false, error: "Invalid JSON" }
        }
      },

      validateSchema: ({ previousAction, logger }) => {
        if (!previousAction.success) return previousAction

        const data = previousAction.data
        const valid =
          typeof data === "object" &&
          data !== null &&
          !Array.isArray(data) &&
          typeof data.message === "string" &&
          data.message.trim() !== ""
        if (!valid) logger.debug("Input rejected: expected an object with a non-empty string message")
        return valid
          ? { ...previousAction, valid }
          : { ...previousAction, valid, success: false, error: "Expected an object with a non-empty string \"message\"" }
      },

      transformData: ({ previousAction }) => {
        if (!previousAction.valid) return previousAction

        // One row of processed_items: the trimmed message, when it was processed, and the whole input.
        const transformed = {
          message: previousAction.data.message.trim(),
          processedAt: new Date().toISOString(),
          payload: previousAction.data,
        }
        return { ...previousAction, data: transformed }
      },

      saveToDatabase: ({ table, previousAction }) => {
        if (!previousAction.valid) return previousAction

        const result = table.insert(previousAction.data)
        return { ...previousAction, insertId: result.insertId }
      },

      sendNotification: ({ previousAction, logger }) => {
        if (!previousAction.valid) return previousAction

        logger.info(`Data saved with ID: ${previousAction.insertId}`)
        return { success: true, id: previousAction.insertId }
      },
    },
  },
}
