import { readFileSync } from "node:fs"

import type { DBPluginSchema } from "@dockstat/plugin-handler"

/** The plugin modules ship as plain JS text next to this file; the host stores the text, not an import. */
function readCode(file: string): string {
  return readFileSync(new URL(`./${file}`, import.meta.url), "utf8")
}

const LOCAL = { repository: "local", manifest: "local", repoType: "local" } as const
const AUTHOR = { name: "DockStat demo", email: "demo@dockstat.local" }

/** The seed's "Plugin Structure" example: a JSON table, `/status` and `/save`, container hooks. */
export function examplePluginInput(): DBPluginSchema {
  return {
    name: "example-plugin",
    version: "1.0.0",
    description: "The seed's example: stores JSON posted to /save and lists it at /status",
    ...LOCAL,
    author: AUTHOR,
    tags: ["example", "storage"],
    plugin: readCode("example-plugin.js"),
  }
}

/** The seed's "Multi-Action Routes" example: a five-action `/process` chain that stores what it accepts. */
export function dataProcessorInput(): DBPluginSchema {
  return {
    name: "data-processor",
    version: "1.0.0",
    description: "The seed's multi-action example: parse, validate, transform, save and notify",
    ...LOCAL,
    author: AUTHOR,
    tags: ["example", "pipeline"],
    plugin: readCode("data-processor.js"),
  }
}

/** Not from the seed: records Docker container events into its table and lists them at `/events`. */
export function containerEventsInput(): DBPluginSchema {
  return {
    name: "container-events",
    version: "1.0.0",
    description: "Records Docker container events (start, stop, die, ...) and lists them at /events",
    ...LOCAL,
    author: AUTHOR,
    tags: ["example", "docker", "events"],
    plugin: readCode("container-events.js"),
  }
}

/** The examples, in install order. */
export function exampleInputs(): DBPluginSchema[] {
  return [examplePluginInput(), dataProcessorInput(), containerEventsInput()]
}
