import { exampleInputs } from "./example-plugins/manifests.ts"

import type PluginHandler from "@dockstat/plugin-handler"

export interface SeedReport {
  installed: { id: number; name: string }[]
  skipped: string[]
  failed: { name: string; message: string }[]
  /** True when this database had its examples installed before: nothing was tried. */
  alreadySeeded: boolean
}

/** The `host_settings` key recording that a database got its examples (the time, ISO). */
export const EXAMPLES_SETTING = "demo.examplesInstalledAt"

/**
 * Installs the seed's example plugins on the very first start of a database, and records that it did:
 * an example the user deleted stays deleted. An example is matched by name, so a database from before
 * the record never gets a duplicate nor an overwritten version (possibly the user's own update).
 * The check, the installs and the record are one transaction (`handler.runOnce`): several processes
 * starting together on a new database install the examples once. Loading is left to the host
 * (`loadAllPlugins`).
 */
export async function installExamplePlugins(handler: PluginHandler): Promise<SeedReport> {
  const report: SeedReport = { installed: [], skipped: [], failed: [], alreadySeeded: false }
  const ran = await handler.runOnce(EXAMPLES_SETTING, () => {
    const installed = new Set(handler.getAll().map((plugin) => plugin.name))
    for (const input of exampleInputs()) {
      if (installed.has(input.name)) {
        report.skipped.push(input.name)
        continue
      }
      const result = handler.savePlugin(input, false)
      if (result.success) report.installed.push({ id: result.id, name: input.name })
      // Recorded even when one failed (it is logged): a retry on every start would bring back deleted ones.
      else report.failed.push({ name: input.name, message: result.message })
    }
  })
  return ran ? report : { installed: [], skipped: [], failed: [], alreadySeeded: true }
}
