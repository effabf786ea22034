import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"

import type { ChildProcess } from "node:child_process"

import { formatTable } from "./report.ts"
import type { Row } from "./report.ts"

/** The tsx loader, by absolute URL, so a child resolves it wherever its cwd is. */
const TSX = import.meta.resolve("tsx")

export interface ChildOptions {
  args?: string[]
  /** Extra node flags; `--expose-gc` is always on (RSS figures need a collection first). */
  execArgv?: string[]
  env?: Record<string, string>
  /** The child is killed after this long (default 120 s): a hung benchmark must not hang the run. */
  timeoutMs?: number
}

/** Starts `src/<script>` (TypeScript, through tsx) as a child process with an IPC channel. */
export function startChild(script: string, options: ChildOptions = {}): ChildProcess {
  return fork(fileURLToPath(new URL(`./${script}`, import.meta.url)), options.args ?? [], {
    execArgv: ["--import", TSX, "--expose-gc", ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
}

/**
 * Runs `src/<script>` in a fresh process and resolves with the one message it sends (see `sendResult`).
 * Used where isolation matters: RSS, cold starts, first-load costs.
 */
export function runChild<T>(script: string, options: ChildOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = startChild(script, options)
    let result: { ok: true; value: T } | { ok: false; message: string } | undefined
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${script} did not finish within ${options.timeoutMs ?? 120_000} ms`))
    }, options.timeoutMs ?? 120_000)
    child.on("message", (message) => {
      result = message as typeof result
    })
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      if (result?.ok) resolve(result.value)
      else if (result) reject(new Error(`${script}: ${result.message}`))
      else reject(new Error(`${script} exited (${signal ?? `code ${code}`}) without a result`))
    })
  })
}

/** The child's side of `runChild`: send the value (or the error) to the parent, then exit. */
export async function sendResult<T>(work: () => Promise<T>): Promise<void> {
  let message: { ok: true; value: T } | { ok: false; message: string }
  try {
    message = { ok: true, value: await work() }
  } catch (error) {
    message = { ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  if (process.send) {
    await new Promise<void>((resolve) => process.send?.(message, () => resolve()))
  } else if (message.ok) {
    console.log(JSON.stringify(message.value, null, 2))
  } else {
    console.error(message.message)
    process.exitCode = 1
  }
  // Worker threads, servers and timers of the benchmark are not waited for.
  process.exit()
}

/**
 * A benchmark's entry: runs it and hands its rows to the runner (main.ts), or prints them as a table when
 * the file is run on its own (`pnpm exec tsx src/table-api.ts`).
 */
export function runBenchmark(work: () => Promise<Row[]>): void {
  if (process.send) {
    void sendResult(work)
    return
  }
  work().then(
    (rows) => {
      console.log(formatTable(rows))
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
