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
