import { init, parse } from "es-module-lexer"

import { builtinName } from "./module-policy.ts"
import { SDK_SPECIFIERS } from "./module-source.ts"

const lexerReady = init()

/** A sandboxed plugin imported something only a trusted runtime gives. */
export class SandboxImportError extends Error {
  readonly specifier: string
  constructor(specifier: string, builtin: boolean) {
    super(
      builtin
        ? `import of "${specifier}" needs a trusted runtime: the sandbox runtime gives plugins no Node built-ins. ` +
            `An admin who trusts this plugin can run it in the "worker" runtime (pluginRuntimes: { "<name>": "worker" }, or --runtime worker with the CLI)`
        : `import of "${specifier}" is not allowed: sandboxed plugin code may import only the SDK (${[...SDK_SPECIFIERS].join(", ")})`,
    )
    this.name = "SandboxImportError"
    this.specifier = specifier
  }
}

/**
 * Checks a sandboxed module's imports before it runs: only the SDK. A computed `import(x)` passes here
 * and is refused by the sandbox's module loader when it runs. Syntax errors are left to the engine,
 * which names line and column.
 */
export async function checkSandboxImports(code: string): Promise<void> {
  await lexerReady
  let imports
  try {
    ;[imports] = parse(code)
  } catch {
    return
  }
  for (const entry of imports) {
    if (entry.type === "import-meta") continue
    const specifier = entry.specifier
    if (specifier === undefined) continue
    if (SDK_SPECIFIERS.has(specifier)) continue
    throw new SandboxImportError(specifier, builtinName(specifier) !== null)
  }
}
