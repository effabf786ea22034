/**
 * A small plugin for install tests: a table, a POST route that inserts the JSON body and a GET route
 * that lists the rows. The table name is a parameter so two installs (JSON and YAML) do not share one.
 */
export function notesPluginCode(table: string): string {
  return `import { column } from "@dockstat/plugin-handler"

export default {
  config: {
    table: { name: "${table}", columns: { id: column.id(), text: column.text({ notNull: true }), meta: column.json() } },
    apiRoutes: {
      "/notes": { method: "POST", actions: ["save"] },
      "/notes/all": { method: "GET", actions: ["list"] },
    },
    actions: {
      save: ({ table, body }) => ({ id: table.insert({ text: body.text, meta: body.meta ?? null }).insertId }),
      list: ({ table }) => table.select(["*"]).all(),
    },
  },
}
`
}

/** A JSON manifest with the code inline, as the seed's manifest example. */
export function notesManifestJson(name: string, table: string): string {
  return JSON.stringify({
    name,
    version: "1.0.0",
    description: "Stores notes posted to /notes",
    repository: "https://example.com/notes",
    manifest: "https://example.com/notes/manifest.json",
    author: { name: "Tester", email: "tester@example.com" },
    tags: ["test"],
    repoType: "default",
    plugin: notesPluginCode(table),
  })
}

/** The same plugin as a YAML manifest, the code in a block scalar. */
export function notesManifestYaml(name: string, table: string): string {
  const code = notesPluginCode(table)
    .split("\n")
    .map((line) => (line === "" ? "" : `  ${line}`))
    .join("\n")
  return `name: ${name}
version: "1.0.0"
description: Stores notes posted to /notes
author:
  name: Tester
tags: [test, yaml]
plugin: |
${code}`
}
