/** Every flag the CLI accepts (node:util parseArgs options). The usage lists each one; a test checks that. */
export const CLI_OPTIONS = {
  help: { type: "boolean", short: "h" },
  update: { type: "boolean" },
  "drop-table": { type: "boolean" },
  runtime: { type: "string" },
  dir: { type: "string" },
  inline: { type: "boolean" },
} as const

/** Flags that belong to some commands; given to another, they are a usage error. */
export const FLAG_COMMANDS: Readonly<Record<Exclude<keyof typeof CLI_OPTIONS, "help">, readonly string[]>> = {
  update: ["install"],
  "drop-table": ["remove"],
  runtime: ["install", "dev"],
  dir: ["new"],
  inline: ["build"],
}

/** The plugin-authoring commands (cli-authoring.ts, imported only when one runs). */
export const AUTHORING_COMMAND_NAMES = ["new", "build", "dev"] as const
export type AuthoringCommandName = (typeof AUTHORING_COMMAND_NAMES)[number]

export function isAuthoringCommand(name: string): name is AuthoringCommandName {
  return (AUTHORING_COMMAND_NAMES as readonly string[]).includes(name)
}
