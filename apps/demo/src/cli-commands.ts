import { resolve } from "node:path"
import { RUNTIME_KINDS, isPluginError, isRuntimeKind } from "@dockstat/plugin-handler"

import type PluginHandler from "@dockstat/plugin-handler"
import type { PluginInstance, PluginMetadata, RuntimeKind } from "@dockstat/plugin-handler"

import { CliError, usageError } from "./cli-error.ts"
import { formatPermissions, formatTable } from "./format-table.ts"

export interface CliContext {
  handler: PluginHandler
  /** One line of the command's output (stdout). */
  out: (line: string) => void
  /** Where relative file arguments are taken from: the user's shell, not apps/demo. */
  cwd: string
}

export interface CommandFlags {
  update: boolean
  dropTable: boolean
  /** install --runtime: the runtime the admin trusts the plugin with (stored with it). */
  runtime?: string
}


type Command = (context: CliContext, args: readonly string[], flags: CommandFlags) => Promise<void>

const API = "/api/v2/plugins"

export const COMMANDS: Readonly<Record<string, Command>> = {
  async list({ handler, out }) {
    const plugins = handler.getAll()
    if (plugins.length === 0) {
      out("No plugins installed.")
      return
    }
    const rows = plugins.map((plugin) => [
      String(plugin.id),
      plugin.name,
      plugin.version,
      plugin.repoType,
      plugin.repository,
      plugin.enabled ? "yes" : "no",
      plugin.runtime ?? "default",
      plugin.updatedAt,
      formatPermissions(plugin.permissions),
    ])
    out(formatTable(["ID", "NAME", "VERSION", "TYPE", "REPOSITORY", "ENABLED", "RUNTIME", "UPDATED", "PERMISSIONS"], rows))
  },

  async install({ handler, out, cwd }, args, flags) {
    const source = toSource(one(args, "install <url|file>"), cwd)
    const runtime = flags.runtime
    if (runtime !== undefined && !isRuntimeKind(runtime)) {
      throw usageError(`--runtime must be one of ${RUNTIME_KINDS.join(", ")}, got ${JSON.stringify(runtime)}`)
    }
    out(`Fetching ${source}…`)
    const result = await handler.installFromManifestLink(source, { update: flags.update, ...(runtime === undefined ? {} : { runtime: runtime as RuntimeKind }) })
    if (!result.success) {
      // The handler's conflict message ends with its own advice in API terms ("install with update"); the
      // CLI gives that advice once, as its flag.
      const message = result.kind === "conflict" && !flags.update ? `${result.message.replace(/;[^;]*\bupdate\b[^;]*$/, "")}; use --update to replace it` : result.message
      throw new CliError(`Install failed${result.kind ? ` (${result.kind})` : ""}: ${message}`)
    }

    const plugin = metadata(handler, result.id)
    out(`Validating ${plugin.name}@${plugin.version}: loading its code and table…`)
    let instance: PluginInstance
    try {
      instance = await handler.loadPlugin(result.id)
    } catch (error) {
      // A new install that cannot load is taken back, so nothing half-working stays behind; an update
      // has already replaced the old code, so it stays and the message says so.
      if (!flags.update) handler.deletePlugin(result.id)
      const outcome = flags.update ? "it is stored but will not load" : "the install was rolled back"
      throw new CliError(`${plugin.name} does not load (${outcome}): ${errorText(error)}`)
    }
    out(`${flags.update ? "Updated" : "Installed"} ${plugin.name}@${plugin.version} (id ${result.id})`)
    out(`Running servers on this database ${flags.update ? "swap to this version" : "load it"} within about a second.`)
    printRoutes(out, instance)
  },

  async load({ handler, out }, args) {
    const id = pluginId(one(args, "load <id>"))
    const plugin = metadata(handler, id)
    const instance = await loadOrFail(handler, plugin)
    out(`Loaded ${instance.name}@${instance.version} (id ${id}): it loads cleanly.`)
    out(`Table: ${instance.table?.name ?? "none"}`)
    out(`Hooks: ${instance.hooks.length > 0 ? instance.hooks.join(", ") : "none"}`)
    printRoutes(out, instance)
    out(`Note: the CLI is a separate process; this only checked that it loads. Running servers load it while it is enabled (dockstat-plugins activate ${id}, or POST ${API}/${id}/activate).`)
  },

  async unload({ handler, out }, args) {
    const id = pluginId(one(args, "unload <id>"))
    const plugin = metadata(handler, id)
    out(`Nothing to unload here: the CLI is a separate process and holds no loaded plugins.`)
    out(`To stop ${plugin.name} (id ${id}) in running servers: dockstat-plugins deactivate ${id} (they follow within about a second), or POST ${API}/${id}/deactivate`)
    out(`To remove it for good: dockstat-plugins remove ${id}`)
  },

  async activate({ handler, out }, args) {
    const id = pluginId(one(args, "activate <id>"))
    const plugin = metadata(handler, id)
    let instance: PluginInstance
    try {
      // Loaded here only to check it loads; what is kept is the enabled flag.
      instance = await handler.activatePlugin(id)
    } catch (error) {
      throw new CliError(`${plugin.name} (id ${id}) does not load, so it stays ${plugin.enabled ? "enabled" : "disabled"}: ${errorText(error)}`)
    }
    out(`Activated ${instance.name}@${instance.version} (id ${id}, ${instance.runtime} runtime): a server loads it when it starts.`)
    out("Running servers on this database load it within about a second.")
  },

  async deactivate({ handler, out }, args) {
    const id = pluginId(one(args, "deactivate <id>"))
    const plugin = metadata(handler, id)
    const result = handler.deactivatePlugin(id)
    if (!result.success) throw new CliError(`Could not deactivate ${plugin.name} (id ${id}): ${result.message}`)
    out(`Deactivated ${plugin.name} (id ${id}): a server skips it when it starts, until it is activated again.`)
    out("Running servers on this database unload it within about a second.")
  },

  async remove({ handler, out }, args, flags) {
    const id = pluginId(one(args, "remove <id> [--drop-table]"))
    const plugin = metadata(handler, id)
    const result = handler.deletePlugin(id, { dropTable: flags.dropTable })
    if (!result.success) throw new CliError(`Could not remove ${plugin.name} (id ${id}): ${result.message}`)
    out(`Removed ${plugin.name} (id ${id}).`)
    out(flags.dropTable ? "Its table was dropped." : "Its table (if it has one) is kept; use --drop-table to drop it.")
    out("Running servers on this database unload it within about a second.")
  },

  async resign({ handler, out }, args) {
    const ids = args.length > 0 ? args.map(pluginId) : undefined
    const result = handler.resignPlugins(ids)
    out(result.message)
    if (!result.success) throw new CliError("Some plugins were not re-signed; see above")
  },

  async routes({ handler, out }, args) {
    const id = pluginId(one(args, "routes <id>"))
    // Routes are declared by the plugin's code, so the only way to know them is to load it.
    const instance = await loadOrFail(handler, metadata(handler, id))
    printRoutes(out, instance)
  },
}

function printRoutes(out: CliContext["out"], instance: PluginInstance): void {
  if (instance.routes.length === 0) {
    out("Routes: none")
    return
  }
  out("Routes:")
  const rows = instance.routes.map((route) => [
    route.methods.join(","),
    route.path,
    `${API}/${instance.id}/routes${route.path === "/" ? "" : route.path}`,
    route.actions.join(" -> "),
  ])
  out(formatTable(["METHOD", "PATH", "URL", "ACTIONS"], rows).replace(/^/gm, "  "))
}

async function loadOrFail(handler: PluginHandler, plugin: PluginMetadata): Promise<PluginInstance> {
  try {
    return await handler.loadPlugin(plugin.id)
  } catch (error) {
    throw new CliError(`${plugin.name} (id ${plugin.id}) does not load: ${errorText(error)}`)
  }
}

function metadata(handler: PluginHandler, id: number): PluginMetadata {
  const plugin = handler.getAll().find((candidate) => candidate.id === id)
  if (!plugin) throw new CliError(`No plugin with id ${id}; see dockstat-plugins list`)
  return plugin
}

function one(args: readonly string[], usage: string): string {
  const [value, ...rest] = args
  if (value === undefined || rest.length > 0) throw usageError(`Usage: dockstat-plugins ${usage}`)
  return value
}

function pluginId(raw: string): number {
  const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(id)) throw usageError(`A plugin id is a positive integer, got ${JSON.stringify(raw)}`)
  return id
}

/** URLs pass through; anything else is a file path, taken from the user's directory. */
function toSource(arg: string, cwd: string): string {
  if (/^(https?|file):/i.test(arg)) return arg
  return resolve(cwd, arg)
}

function errorText(error: unknown): string {
  if (isPluginError(error) || error instanceof Error) return error.message
  return String(error)
}
