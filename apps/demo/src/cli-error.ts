/** A failure the CLI reports as one message and an exit code: 1 the operation failed, 2 bad usage. */
export class CliError extends Error {
  readonly exitCode: 1 | 2
  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(message)
    this.name = "CliError"
    this.exitCode = exitCode
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 2)
}
