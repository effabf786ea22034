/**
 * Runs in a plugin's worker thread before the plugin is imported (zod-free: it is bundled into the
 * worker). A worker shares its process with the host, so whatever reaches the process is taken away:
 * signals, abort, native addons, internal bindings. Refused built-ins are refused at every import the
 * plugin can make, not only the ones the host saw in its source.
 */
import { syncBuiltinESMExports } from "node:module"
import { resolve, sep } from "node:path"

import { SDK_IMPORTS_HINT, SDK_SPECIFIERS, builtinName, normalizeGrants, refusedBuiltin } from "./module-policy.ts"

/** What every `import(` of plugin code is rewritten to (module-source.ts `dynamicImportGuard`). */
export const DYNAMIC_IMPORT_GUARD = "__dockstat_import"

/** Thrown by whatever the worker took away from plugin code. */
export class RefusedInWorkerError extends Error {
  readonly code = "ERR_DOCKSTAT_REFUSED"
  constructor(message: string) {
    super(message)
    this.name = "RefusedInWorkerError"
  }
}

export interface HardenOptions {
  plugin: string
  /** Refused built-ins the admin granted this plugin. */
  grantModules: readonly string[]
  /** Where the SDK is (computed imports of an SDK specifier go there). */
  sdkUrl: string
}

export interface Hardening {
  /**
   * Runs `load` (synchronous, so no plugin code runs meanwhile) with `process.dlopen` open for one addon
   * of an `@libsql` package: the worker's own database driver.
   */
  withNative<T>(load: () => T): T
}

/** Reaches the host process: signals (any pid, the host's own included), abort, addons, bindings, the inspector. */
const PROCESS_REFUSED = ["kill", "_kill", "abort", "binding", "_linkedBinding", "_debugProcess", "_debugEnd"] as const

/** In a worker these are Node's thread versions (they end this thread only): kept, and locked that way. */
const PROCESS_THREAD_ONLY = ["exit", "reallyExit"] as const

const NATIVE_PACKAGE = `${sep}node_modules${sep}@libsql${sep}`

/** Code built from strings that mentions `import` could call the real `import()` and skip the checks. */
const USES_IMPORT = /\bimport\b/

/** Enumerable as before: `import { kill } from "node:process"` then gets the locked one, not an error. */
function lock(target: object, key: PropertyKey, value: unknown): void {
  const enumerable = Object.getOwnPropertyDescriptor(target, key)?.enumerable ?? false
  Object.defineProperty(target, key, { value, writable: false, configurable: false, enumerable })
}

export function hardenWorker(options: HardenOptions): Hardening {
  const grants = normalizeGrants(options.grantModules)
  const who = `plugin "${options.plugin}"`
  const processObject = process as unknown as Record<string, unknown>

  for (const key of PROCESS_REFUSED) {
    if (!(key in processObject)) continue
    lock(processObject, key, () => {
      throw new RefusedInWorkerError(`process.${key}() is disabled in the worker of ${who}: a plugin cannot signal, abort or reach into the host process`)
    })
  }
  for (const key of PROCESS_THREAD_ONLY) lock(processObject, key, processObject[key])

  const dlopen = process.dlopen
  let nativeOpen = false
  lock(processObject, "dlopen", (module: unknown, filename: unknown, ...rest: unknown[]) => {
    const file = resolve(String(filename))
    const allowed = nativeOpen && file.includes(NATIVE_PACKAGE) && file.endsWith(".node")
    nativeOpen = false
    if (!allowed) {
      throw new RefusedInWorkerError(`process.dlopen() is disabled in the worker of ${who}: a native addon runs outside every check`)
    }
    return (dlopen as (...args: unknown[]) => unknown).call(process, module, file, ...rest)
  })

  const builtinAllowed = (specifier: string): string => {
    const name = builtinName(specifier)
    if (name === null) return specifier
    const refused = refusedBuiltin(name, grants)
    if (refused !== null) throw new RefusedInWorkerError(`${who}: ${refused}`)
    return name
  }

  const getBuiltinModule = process.getBuiltinModule as ((id: string) => unknown) | undefined
  if (typeof getBuiltinModule === "function") {
    lock(processObject, "getBuiltinModule", (id: unknown) => getBuiltinModule.call(process, builtinAllowed(String(id))))
  }

  lock(globalThis, DYNAMIC_IMPORT_GUARD, async (specifier: unknown) => {
    // Converted once: an object whose toString answers differently the second time gets no second chance.
    const text = String(specifier)
    if (SDK_SPECIFIERS.has(text) || text === options.sdkUrl) return import(options.sdkUrl)
    if (builtinName(text) === null) {
      throw new RefusedInWorkerError(`import of "${text}" is not allowed in ${who}: plugin code may import only ${SDK_IMPORTS_HINT} and node: built-ins`)
    }
    return import(builtinAllowed(text))
  })

  lockCodeGeneration(who)
  // A `node:process` namespace made before the locks would still hold the originals.
  syncBuiltinESMExports()

  return {
    withNative<T>(load: () => T): T {
      nativeOpen = true
      try {
        return load()
      } finally {
        nativeOpen = false
      }
    },
  }
}

/**
 * `eval` and the four function constructors refuse source text that mentions `import`: such code would
 * run the real `import()`, which no rewrite of the plugin's own source can reach. Everything else still
 * compiles (bundles use `Function("return this")`). `eval` becomes indirect: it sees globals, not locals.
 */
function lockCodeGeneration(who: string): void {
  const refuse = (what: string, sources: readonly string[]) => {
    if (sources.some((source) => USES_IMPORT.test(source))) {
      throw new RefusedInWorkerError(`${what} of code that mentions "import" is refused in the worker of ${who}: import() from code built at run time would skip the module checks`)
    }
  }
  const evaluate = globalThis.eval
  lock(globalThis, "eval", (source: unknown) => {
    if (typeof source !== "string") return source
    refuse("eval", [source])
    return evaluate(source)
  })
  const constructors = [
    Function,
    Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
  ] as FunctionConstructor[]
  for (const original of constructors) {
    const guarded = function (...args: unknown[]) {
      const sources = args.map(String)
      refuse(`new ${original.name}()`, sources)
      return Reflect.construct(original, sources)
    }
    // `fn instanceof Function` and `fn.constructor === Function` keep holding.
    Object.defineProperty(guarded, "prototype", { value: original.prototype })
    Object.defineProperty(guarded, "name", { value: original.name })
    lock(original.prototype, "constructor", guarded)
    if (original === Function) lock(globalThis, "Function", guarded)
  }
}
