import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core"
import releaseSync from "@jitl/quickjs-wasmfile-release-sync"

import type { QuickJSSyncVariant, QuickJSWASMModule } from "quickjs-emscripten-core"

// The package's default export is the variant object; its declared type is the module namespace.
const variant = releaseSync as unknown as QuickJSSyncVariant

const PAGE = 64 * 1024
/** The QuickJS build reserves 16 MiB of linear memory at start; a sandbox's cap cannot be lower. */
export const MIN_SANDBOX_MEMORY_MB = 16

let compiled: Promise<WebAssembly.Module> | undefined

/** The QuickJS WebAssembly module, compiled once per process; every sandbox instantiates it. */
function quickJsModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const path = createRequire(import.meta.url).resolve("@jitl/quickjs-wasmfile-release-sync/wasm")
    return WebAssembly.compile(await readFile(path))
  })()
  compiled.catch(() => {
    compiled = undefined
  })
  return compiled
}

export interface QuickJsInstance {
  module: QuickJSWASMModule
  memory: WebAssembly.Memory
  maxBytes: number
}

/**
 * A QuickJS engine of its own for one plugin: its own linear memory, capped at `maxMemoryMb`. QuickJS's
 * own malloc limit cannot be trusted in this build (it counts allocations, not bytes), so the cap is the
 * WebAssembly memory's maximum: past it, allocation fails inside that plugin only. Dropping the
 * instance frees all of it.
 */
export async function newQuickJsInstance(maxMemoryMb: number): Promise<QuickJsInstance> {
  const pages = Math.max(MIN_SANDBOX_MEMORY_MB, Math.floor(maxMemoryMb)) * (1024 * 1024 / PAGE)
  const memory = new WebAssembly.Memory({ initial: MIN_SANDBOX_MEMORY_MB * (1024 * 1024 / PAGE), maximum: pages })
  const wasmModule = await quickJsModule()
  const module = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule, wasmMemory: memory }) as QuickJSSyncVariant)
  return { module, memory, maxBytes: pages * PAGE }
}
