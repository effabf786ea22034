import { createHash } from "node:crypto"
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { threadId } from "node:worker_threads"

import { prepareModuleSource } from "./module-source.ts"

let privateDir: string | undefined
let sequence = 0

export interface ImportOptions {
  /** Where SDK imports point (default: the schema package's entry). */
  sdkUrl?: string
  /** The private directory for module files (default: one made for this process). */
  dir?: string
  /** Refused built-ins (module-policy.ts) the admin granted this plugin. */
  grantModules?: readonly string[]
}

/** One private (0700) directory per process for module files, removed when the process exits. */
export function moduleDir(): string {
  if (privateDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "dockstat-plugins-"))
    chmodSync(dir, 0o700)
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }))
    privateDir = dir
  }
  return privateDir
}

async function importFile(source: string, digest: string, dir: string): Promise<Record<string, unknown>> {
  // A new name for every load: Node caches modules by URL, and a reload must run the code afresh.
  // threadId keeps names of workers sharing the directory apart.
  sequence += 1
  const file = join(dir, `${digest}-${process.pid}-${threadId}-${sequence}.mjs`)
  writeFileSync(file, source, { flag: "wx", mode: 0o600 })
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } finally {
    unlinkSync(file)
  }
}

const ALREADY_DECLARED = /Identifier 'column' has already been declared/

/**
 * Imports a plugin's code as an ES module: SDK imports rewritten, any other bare import refused, the file
 * written to a private directory under a name made from the code's sha256, created exclusively and
 * removed right after the import.
 */
export async function importPluginModule(code: string, options: ImportOptions = {}): Promise<Record<string, unknown>> {
  const digest = createHash("sha256").update(code).digest("hex")
  const dir = options.dir ?? moduleDir()
  const sdk = {
    ...(options.sdkUrl === undefined ? {} : { sdkUrl: options.sdkUrl }),
    ...(options.grantModules === undefined ? {} : { grantModules: options.grantModules }),
  }
  const prepared = await prepareModuleSource(code, sdk)
  try {
    return await importFile(prepared.source, digest, dir)
  } catch (error) {
    // The plugin declares its own `column`: import it exactly as written.
    if (prepared.injectedColumn && ALREADY_DECLARED.test(String((error as Error)?.message))) {
      return importFile((await prepareModuleSource(code, { ...sdk, injectColumn: false })).source, digest, dir)
    }
    throw error
  }
}
