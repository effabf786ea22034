import { exampleInputs } from "./example-plugins/manifests.ts"

import type PluginHandler from "@dockstat/plugin-handler"

export interface SeedReport {
  installed: { id: number; name: string }[]
  skipped: string[]
  failed: { name: string; message: string }[]
}

/**
 * Installs the seed's example plugins the first time a database is used. An example is matched by name,
 * so a second start never adds a duplicate nor overwrites an installed version (possibly the user's own
 * update). Loading is left to the host (`loadAllPlugins`).
 */
export function installExamplePlugins(handler: PluginHandler): SeedReport {
  const report: SeedReport = { installed: [], skipped: [], failed: [] }
  const installed = new Set(handler.getAll().map((plugin) => plugin.name))
  for (const input of exampleInputs()) {
    if (installed.has(input.name)) {
      report.skipped.push(input.name)
      continue
    }
    const result = handler.savePlugin(input, false)
    if (result.success) report.installed.push({ id: result.id, name: input.name })
    else report.failed.push({ name: input.name, message: result.message })
  }
  return report
}
