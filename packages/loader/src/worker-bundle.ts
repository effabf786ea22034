import { mkdirSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build } from "esbuild"
import { PLUGIN_SDK_EXPORTS } from "@dockstat/plugin-schema"

import type { Plugin } from "esbuild"

import { moduleDir } from "./import-module.ts"
import { siblingModule } from "./sibling-module.ts"

export interface WorkerBundle {
  /** The worker thread's entry, plain JavaScript. */
  workerUrl: URL
  /** The SDK plugins import inside a worker (the same module the worker's runtime uses). */
  sdkUrl: string
  /** The libsql entry the worker opens the database with. */
  libsqlPath: string
}

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

/** libsql is a native addon: the bundle imports it from where this package resolves it. */
const nativeModules: Plugin = {
  name: "dockstat-native-modules",
  setup(builder) {
    const libsql = require.resolve("libsql")
    builder.onResolve({ filter: /^(libsql|better-sqlite3)$/ }, () => ({ path: libsql, external: true }))
    // Only ever imported lazily by the host's migration path, never in a worker.
    builder.onResolve({ filter: /^drizzle-kit(\/.*)?$/ }, (args) => ({ path: args.path, external: true }))
    // What plugin code can import: the plugin-facing part of the SDK only (no zod, no drizzle to parse).
    builder.onResolve({ filter: /^dockstat:sdk$/ }, () => ({ path: "sdk", namespace: "dockstat" }))
    builder.onLoad({ filter: /.*/, namespace: "dockstat" }, () => ({
      contents: `export { ${PLUGIN_SDK_EXPORTS.join(", ")} } from "@dockstat/plugin-schema"`,
      resolveDir: here,
      loader: "ts",
    }))
  },
}

let bundle: Promise<WorkerBundle> | undefined

/**
 * The worker runtime as one JavaScript bundle, built once per process with esbuild. The host runs
 * TypeScript source through tsx or vitest; a worker thread is plain Node, and a bundle starts in
 * milliseconds where a TypeScript loader in every worker costs over a second.
 */
export function workerBundle(): Promise<WorkerBundle> {
  bundle ??= (async () => {
    const outdir = join(moduleDir(), "worker-runtime")
    mkdirSync(outdir, { recursive: true, mode: 0o700 })
    await build({
      entryPoints: {
        "worker-main": siblingModule("worker-main"),
        sdk: "dockstat:sdk",
      },
      outdir,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      plugins: [nativeModules],
      // Some bundled CommonJS dependencies call require(); ESM output needs one made for it.
      banner: { js: 'import { createRequire as __dockstatCreateRequire } from "node:module"; const require = __dockstatCreateRequire(import.meta.url);' },
      logLevel: "silent",
    })
    return { workerUrl: pathToFileURL(join(outdir, "worker-main.mjs")), sdkUrl: pathToFileURL(join(outdir, "sdk.mjs")).href, libsqlPath: require.resolve("libsql") }
  })()
  bundle.catch(() => {
    bundle = undefined
  })
  return bundle
}
