import { column, pluginBuilder } from "@dockstat/plugin-handler"

export default pluginBuilder()
  .name("notes").version("1.0.0").description("Notes").author({ name: "Ada" })
  .repository("https://github.com/ada/notes").manifest("https://github.com/ada/notes/manifest.json")
  .table({ name: "notes", columns: { id: column.id(), text: column.text({ notNull: true }) } })
  .apiRoutes({ "POST /notes": { actions: ["validate", "save"] } })
  .actions({ validate: ({ body }) => ({ valid: typeof body?.text === "string", text: String(body?.text) }) })
  .actions({
    // previousAction: { valid: boolean; text: string }
    save: ({ table, previousAction }) => (previousAction.valid ? table.insert({ text: previousAction.text }) : null),
  })
  .build()
