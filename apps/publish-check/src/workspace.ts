import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

import { runOk } from "./run.ts"

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url))

export interface WorkspacePackage {
  name: string
  path: string
  private: boolean
}

/** Every package of the workspace (not the root), as pnpm sees them. */
export async function workspacePackages(): Promise<WorkspacePackage[]> {
  const { stdout } = await runOk("pnpm", ["-r", "ls", "--json", "--depth", "-1"], { cwd: ROOT })
  const all = JSON.parse(stdout) as WorkspacePackage[]
  return all.filter((pkg) => `${pkg.path}/` !== ROOT)
}

/** The first code block of a README section, as written. */
export function readmeExample(heading: string): string {
  const readme = readFileSync(new URL("README.md", `file://${ROOT}`), "utf8")
  const start = readme.indexOf(`\n${heading}\n`)
  if (start === -1) throw new Error(`README has no section "${heading}"`)
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(start))
  if (!block?.[1]) throw new Error(`README section "${heading}" has no code block`)
  return block[1]
}
