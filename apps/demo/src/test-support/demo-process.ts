import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

import type { ChildProcess } from "node:child_process"

const DEMO_DIR = fileURLToPath(new URL("../..", import.meta.url))

/** `pnpm start` as its own process: the demo server on a port the OS chose, its JSON log lines kept. */
export interface DemoProcess {
  url: string
  pid: number
  child: ChildProcess
  /** The pino lines it wrote so far, parsed. */
  lines(): Record<string, unknown>[]
  /** SIGTERM (a graceful stop) or SIGKILL (a crash); resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Starts `src/main.ts` under tsx (as `pnpm start` does) with `env` on top of this process's environment
 * (PORT 0, access log off, JSON logs at info), and resolves once it logs "listening". Rejects with its
 * output when it exits first or takes longer than `timeoutMs`.
 */
export function startDemoProcess(env: Record<string, string>, timeoutMs = 240_000): Promise<DemoProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: DEMO_DIR,
    env: { ...process.env, PORT: "0", LOG_LEVEL: "info", DOCKSTAT_ACCESS_LOG: "off", INIT_CWD: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  const parsed: Record<string, unknown>[] = []
  let pending = ""
  let stderr = ""
  child.stdout.setEncoding("utf8")
  child.stderr.setEncoding("utf8")
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`demo process did not start within ${timeoutMs} ms:\n${stderr}`))
    }, timeoutMs)
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`demo process exited (${code ?? signal}) before listening:\n${stderr}`))
    })
    child.stdout.on("data", (chunk: string) => {
      pending += chunk
      const lines = pending.split("\n")
      pending = lines.pop() ?? ""
      for (const line of lines) {
        if (!line.startsWith("{")) continue
        const entry = JSON.parse(line) as Record<string, unknown>
        parsed.push(entry)
        if (entry.msg === "listening" && typeof entry.url === "string") {
          clearTimeout(timer)
          resolve({
            url: entry.url,
            pid: child.pid ?? -1,
            child,
            lines: () => parsed,
            async stop(signal = "SIGTERM") {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal)
              await exited
            },
          })
        }
      }
    })
  })
}
