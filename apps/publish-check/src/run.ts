import { execFile } from "node:child_process"

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs a command to its end and never throws on its exit code: the test asserts on it. */
export function run(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

/** Throws with the command's output when it failed, so a broken build or install says why. */
export async function runOk(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  const result = await run(file, args, options)
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(" ")} exited with ${result.code}\n${result.stdout}\n${result.stderr}`)
  }
  return result
}

/**
 * This process's environment without what pnpm and npm set for the script running it (`npm_config_*`,
 * `npm_package_*`, ...): the consumer project is a stranger's, configured by nothing of ours.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm|pnpm)_/i.test(name) && name !== "INIT_CWD"))
}
