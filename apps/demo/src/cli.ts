import { parseArgs } from "node:util"
import PluginHandler, { DB } from "@dockstat/plugin-handler"

import { COMMANDS } from "./cli-commands.ts"
import { CliError, usageError } from "./cli-error.ts"
import { CLI_OPTIONS, FLAG_COMMANDS, isAuthoringCommand } from "./cli-options.ts"
import type { AuthoringCommandName } from "./cli-options.ts"
import { USAGE } from "./cli-usage.ts"
import { ConfigError, invocationDir, readAllowPrivateNetwork, readDbPath, readLogLevel } from "./config.ts"
import { createStderrLogger } from "./logger.ts"

// `dockstat-plugins <command>` (bin/dockstat-plugins.mjs): plugin management on the demo's database file, from the shell.

async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: CLI_OPTIONS,
    })
  } catch (error) {
    // parseArgs names the unknown option; the usage says which ones exist.
    throw usageError(`${(error as Error).message}\n\n${USAGE}`)
  }
  const { values, positionals } = parsed
  const [name, ...args] = positionals
  if (values.help || name === "help") {
    process.stdout.write(USAGE)
    return 0
  }
  if (name === undefined) throw usageError(`No command given.\n\n${USAGE}`)
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command === undefined && !isAuthoringCommand(name)) throw usageError(`Unknown command "${name}".\n\n${USAGE}`)
  for (const [flag, owners] of Object.entries(FLAG_COMMANDS)) {
    if (values[flag as keyof typeof FLAG_COMMANDS] !== undefined && !owners.includes(name)) {
      throw usageError(`--${flag} applies to ${owners.map((owner) => `"${owner}"`).join(" and ")} only`)
    }
  }
  if (command === undefined) {
    // new, build and dev work on a plugin project; dev opens the database through the server it starts.
    // Imported here: the server and esbuild it brings would slow every other command's start.
    const { AUTHORING_COMMANDS } = await import("./cli-authoring.ts")
    const flags = { inline: values.inline ?? false, ...(values.dir === undefined ? {} : { dir: values.dir }), ...(values.runtime === undefined ? {} : { runtime: values.runtime }) }
    await AUTHORING_COMMANDS[name as AuthoringCommandName]({ out: (line) => process.stdout.write(`${line}\n`), cwd: invocationDir() }, args, flags)
    return 0
  }

  const db = new DB(readDbPath())
  const handler = new PluginHandler(db, ["CLI"], {
    logger: createStderrLogger(readLogLevel(process.env.LOG_LEVEL, "error")),
    install: { allowPrivateNetwork: readAllowPrivateNetwork() },
  })
  try {
    await command(
      { handler, out: (line) => process.stdout.write(`${line}\n`), cwd: invocationDir() },
      args,
      { update: values.update ?? false, dropTable: values["drop-table"] ?? false, ...(values.runtime === undefined ? {} : { runtime: values.runtime }) },
    )
    return 0
  } finally {
    await handler.close()
    db.close()
  }
}

let code: number
try {
  code = await main(process.argv.slice(2))
} catch (error) {
  if (error instanceof CliError || error instanceof ConfigError) {
    process.stderr.write(`${error.message.trimEnd()}\n`)
    code = error instanceof CliError ? error.exitCode : 2
  } else {
    process.stderr.write(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    code = 1
  }
}
// Exit now: a loaded plugin may have left a timer running, and stdout/stderr writes are synchronous here.
process.exit(code)
