import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const DEMO_DIR = fileURLToPath(new URL("../..", import.meta.url))
const BIN = fileURLToPath(new URL("../../bin/dockstat-plugins.mjs", import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** `dockstat-plugins ...args` (what `pnpm exec dockstat-plugins` runs) as its own process; never throws on exit codes. */
export function runCli(args: string[], env: Record<string, string>, cwd = DEMO_DIR): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LOG_LEVEL: "", INIT_CWD: "", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}
