/** Every flag the CLI accepts (node:util parseArgs options). The usage lists each one; a test checks that. */
export const CLI_OPTIONS = {
  help: { type: "boolean", short: "h" },
  update: { type: "boolean" },
  "drop-table": { type: "boolean" },
  runtime: { type: "string" },
} as const

/** Flags that belong to one command; given to another, they are a usage error. */
export const FLAG_COMMANDS = { update: "install", "drop-table": "remove", runtime: "install" } as const
