import { createHash } from "node:crypto"
import { watch } from "node:fs"
import { basename, dirname, join, relative, sep } from "node:path"
import { PluginBuildError } from "@dockstat/plugin-handler/build"

import type { FSWatcher } from "node:fs"
import type PluginHandler from "@dockstat/plugin-handler"
import type { PluginInstance, RuntimeKind } from "@dockstat/plugin-handler"
import type { BundleProblem } from "@dockstat/plugin-handler/build"

import { buildProject } from "./build-project.ts"
import type { BuiltPlugin } from "./build-project.ts"
import { CliError } from "./cli-error.ts"
import { readPluginProject } from "./plugin-project.ts"
import { formatPosition, sourcePosition } from "./source-position.ts"

export interface DevLoopOptions {
  /** The plugin project's folder. */
  dir: string
  /** The running host to reload the plugin into. */
  handler: PluginHandler
  /** Where the host serves, e.g. `http://127.0.0.1:3000`: printed route URLs start with it. */
  baseUrl: string
  /** Install --runtime: the runtime the plugin is stored with (default: kept, or sandbox for a new one). */
  runtime?: RuntimeKind
  /** One line of output. */
  out: (line: string) => void
  /** Quiet time after a change before rebuilding (default 100 ms): an editor's save is often several writes. */
  debounceMs?: number
}

export interface DevLoop {
  /** Stops watching; a build in flight finishes. */
  close(): void
}

const API = "/api/v2/plugins"

/**
 * Builds the project, installs the build into the running host (an update once it is installed: the
 * id, table and rows stay), prints its route URLs, and does it again on every change of a file that
 * went into the bundle or of package.json. A build error or a version that does not load is printed
 * with its place in the source (through the source map), and the version that was serving keeps serving.
 */
export function startDevLoop(options: DevLoopOptions): DevLoop {
  const { handler, out } = options
  const say = (line: string) => out(`[dev] ${line}`)
  const watchers = new Map<string, FSWatcher>()
  let installed: string | undefined
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let closed = false

  /** Files changed since the last build, for the "rebuilding" line. */
  const changed = new Set<string>()
  const schedule = (file: string) => {
    if (closed) return
    changed.add(file)
    clearTimeout(timer)
    timer = setTimeout(() => void run(), options.debounceMs ?? 100)
  }

  /** One build and reload at a time; a change meanwhile runs one more afterwards. */
  const run = (): Promise<void> => {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      do {
        again = false
        try {
          await cycle()
        } catch (error) {
          say(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        }
      } while (again && !closed)
    })().finally(() => {
      running = undefined
    })
    return running
  }

  const cycle = async () => {
    if (changed.size > 0) say(`${[...changed].join(", ")} changed: rebuilding`)
    changed.clear()
    let project
    try {
      project = readPluginProject(options.dir)
    } catch (error) {
      if (!(error instanceof CliError)) throw error
      say(error.message)
      return
    }
    watchFolder(project.dir, (file) => file === "package.json")
    let built: BuiltPlugin
    try {
      built = await buildProject(project)
    } catch (error) {
      if (!(error instanceof PluginBuildError)) throw error
      say(`Build of ${project.name} failed:`)
      for (const problem of error.problems) printProblem(problem)
      say(keeps(project.name))
      watchFolder(dirname(project.entry), () => true)
      return
    }
    for (const file of built.inputs) if (inProject(project.dir, file)) watchFolder(dirname(file), () => true)
    for (const warning of built.warnings) printProblem(warning, "warning")

    const digest = createHash("sha256").update(built.code).update(JSON.stringify([project.version, project.permissions])).digest("hex")
    if (digest === installed) return
    const result = await handler.installFromManifestLink(built.manifestPath, { update: true, ...(options.runtime === undefined ? {} : { runtime: options.runtime }) })
    if (!result.success) {
      printLoadError(result.message, built, project.dir)
      say(keeps(project.name))
      return
    }
    let instance: PluginInstance
    try {
      // After an update the new version is serving already; a new install (or a disabled plugin) loads here.
      instance = await handler.activatePlugin(result.id)
    } catch (error) {
      printLoadError(error instanceof Error ? error.message : String(error), built, project.dir)
      return
    }
    const verb = installed === undefined ? "Serving" : "Reloaded"
    installed = digest
    const count = instance.table?.count()
    const rows = instance.table === null ? "" : `; table ${instance.table.name}: ${count} ${count === 1 ? "row" : "rows"}`
    say(`${verb} ${instance.name}@${instance.version} (id ${instance.id}, ${instance.runtime} runtime)${rows}`)
    if (instance.routes.length === 0) say("It has no routes.")
    for (const route of instance.routes) {
      out(`  ${route.methods.join(",").padEnd(12)} ${options.baseUrl}${API}/${instance.id}/routes${route.path === "/" ? "" : route.path}`)
    }
  }

  const keeps = (name: string) => {
    const current = handler.getAll().find((plugin) => plugin.name === name)
    const serving = current !== undefined && handler.getLoadedPlugins().includes(current.id)
    return serving ? `${name}@${current.version} (id ${current.id}) keeps serving; fix the source and save to try again.` : `Nothing of ${name} is serving yet; fix the source and save to try again.`
  }

  const printProblem = (problem: BundleProblem, kind = "error") => {
    const place = formatPosition(problem)
    say(`${place === "" ? "" : `${place}: `}${kind}: ${problem.text}`)
    if (problem.lineText !== null && problem.line !== null) printLine(problem.line, problem.lineText, problem.column)
  }

  const printLoadError = (message: string, built: BuiltPlugin, projectDir: string) => {
    const position = sourcePosition(message, { map: built.map, codePath: built.codePath, projectDir })
    say(`${position === null ? "" : `${formatPosition(position)}: `}load failed: ${message}`)
    if (position !== null && position.lineText !== null) printLine(position.line, position.lineText, position.column)
  }

  const printLine = (line: number, text: string, column: number | null) => {
    const gutter = `    ${line} | `
    out(`${gutter}${text}`)
    if (column !== null) out(`${" ".repeat(gutter.length - 2)}| ${" ".repeat(Math.max(column - 1, 0))}^`)
  }

  /** Watches a folder once; `accept` filters the file names whose changes count. */
  const watchFolder = (dir: string, accept: (file: string) => boolean) => {
    if (closed || watchers.has(dir)) return
    try {
      const watcher = watch(dir, (_event, file) => {
        if (file === null || accept(basename(file))) schedule(relative(options.dir, join(dir, file ?? ".")) || ".")
      })
      watcher.on("error", () => watchers.delete(dir))
      watchers.set(dir, watcher)
    } catch {
      // A folder that is gone (renamed away) is watched again once a build names it.
    }
  }

  void run()
  return {
    close: () => {
      closed = true
      clearTimeout(timer)
      for (const watcher of watchers.values()) watcher.close()
      watchers.clear()
    },
  }
}

/** Inside the project and not in its node_modules or dist: the plugin's own sources. */
function inProject(projectDir: string, file: string): boolean {
  const path = relative(projectDir, file)
  return path !== "" && !path.startsWith("..") && !path.split(sep).some((part) => part === "node_modules" || part === "dist")
}
