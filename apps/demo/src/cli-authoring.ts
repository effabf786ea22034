import { relative, resolve } from "node:path"
import { PluginBuildError, describeProblem } from "@dockstat/plugin-handler/build"

import { RUNTIME_KINDS, isRuntimeKind } from "@dockstat/plugin-handler"
import type { RuntimeKind } from "@dockstat/plugin-handler"

import { buildProject } from "./build-project.ts"
import { CliError, usageError } from "./cli-error.ts"
import type { AuthoringCommandName } from "./cli-options.ts"
import { loadConfig } from "./config.ts"
import { startDevLoop } from "./dev-loop.ts"
import { readPluginProject } from "./plugin-project.ts"
import { scaffoldPlugin } from "./scaffold.ts"
import { serverOptionsFromConfig, startServer } from "./server.ts"

// Commands for plugin authors: they work on a plugin project, not on the demo's database (dev starts
// the demo server itself).

export interface AuthoringContext {
  out: (line: string) => void
  /** Where relative paths are taken from: the user's shell (INIT_CWD under pnpm). */
  cwd: string
}

export interface AuthoringFlags {
  dir?: string
  inline: boolean
  runtime?: string
}

type AuthoringCommand = (context: AuthoringContext, args: readonly string[], flags: AuthoringFlags) => Promise<void>


export const AUTHORING_COMMANDS: Readonly<Record<AuthoringCommandName, AuthoringCommand>> = {
  async new({ out, cwd }, args, flags) {
    const [name, ...rest] = args
    if (name === undefined || rest.length > 0) throw usageError("Usage: dockstat-plugins new <name> [--dir <path>]")
    const created = scaffoldPlugin(name, resolve(cwd, flags.dir ?? name))
    const where = shown(cwd, created.dir)
    out(`Created ${name} in ${where}: ${created.files.join(", ")}`)
    out("Next:")
    out(`  cd ${where}`)
    out("  pnpm install      # links the SDK and the CLI from this workspace")
    out("  pnpm test         # runs the plugin in a real host (inline and sandbox)")
    out("  pnpm build        # dist/plugin.js and dist/manifest.json")
    out("  pnpm dev          # the demo server with the plugin, reloaded on every change")
  },

  async build({ out, cwd }, args, flags) {
    if (args.length > 1) throw usageError("Usage: dockstat-plugins build [dir] [--inline]")
    const project = readPluginProject(resolve(cwd, args[0] ?? "."))
    let built
    try {
      built = await buildProject(project, { inline: flags.inline })
    } catch (error) {
      if (!(error instanceof PluginBuildError)) throw error
      throw new CliError(`Build of ${project.name} failed; dist/ is left as it was:\n${error.problems.map(describeProblem).join("\n")}`)
    }
    for (const warning of built.warnings) out(`warning: ${describeProblem(warning)}`)
    const size = `${(Buffer.byteLength(built.code) / 1024).toFixed(1)} KiB`
    out(`Built ${project.name}@${project.version}: ${flags.inline ? `code inline in the manifest (${size})` : `${shown(cwd, built.codePath)} (${size})`}`)
    out(`Manifest: ${shown(cwd, built.manifestPath)} (integrity ${built.integrity})`)
    out(`Install it: pnpm exec dockstat-plugins install ${shown(cwd, built.manifestPath)}`)
  },

  async dev({ out, cwd }, args, flags) {
    if (args.length > 1) throw usageError("Usage: dockstat-plugins dev [dir] [--runtime <kind>]")
    const runtime = flags.runtime
    if (runtime !== undefined && !isRuntimeKind(runtime)) {
      throw usageError(`--runtime must be one of ${RUNTIME_KINDS.join(", ")}, got ${JSON.stringify(runtime)}`)
    }
    const dir = resolve(cwd, args[0] ?? ".")
    readPluginProject(dir)
    const config = loadConfig()
    let server
    try {
      server = await startServer(serverOptionsFromConfig(config))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error
      throw new CliError(`Could not start the demo server: port ${config.port} is in use (is pnpm start running? stop it, or set PORT)`)
    }
    out(`[dev] Demo server on ${server.url} (database ${config.dbPath})`)
    out(`[dev] Watching ${dir}; Ctrl-C stops`)
    const loop = startDevLoop({ dir, handler: server.handler, baseUrl: server.url, out, ...(runtime === undefined ? {} : { runtime: runtime as RuntimeKind }) })
    // A second Ctrl-C finds no listener left and ends the process at once.
    await new Promise<void>((done) => {
      process.once("SIGINT", () => done())
      process.once("SIGTERM", () => done())
    })
    loop.close()
    await server.close()
  },
}

/** A path as the user would type it: relative to where they are, unless that climbs more than one level. */
function shown(cwd: string, path: string): string {
  const relativePath = relative(cwd, path)
  return relativePath === "" ? "." : relativePath.startsWith("../..") ? path : relativePath
}
