/**
 * The Bun suites: the same test files vitest runs on Node, executed by Bun's runtime
 * (`bun --bun vitest run --config vitest.bun.config.ts`, each package's `test:bun`, part of `pnpm test`).
 * A package lists the files it runs on Bun in its vitest.bun.config.ts; files named `*.bun.test.ts`
 * run on Bun only (the Node configs leave them out).
 */
import { fileURLToPath } from "node:url"
import { configDefaults, defineConfig } from "vitest/config"

import type { ViteUserConfig } from "vitest/config"

/** What a Node config leaves out: the Bun-only files. */
export const BUN_ONLY_TESTS = "**/*.bun.test.ts"

export function defineBunConfig(base: ViteUserConfig, files: readonly string[]): ViteUserConfig {
  if (process.versions.bun === undefined) {
    throw new Error("vitest.bun.config.ts is the Bun suite: run it on Bun, `bun --bun vitest run --config vitest.bun.config.ts` (pnpm test:bun)")
  }
  return defineConfig({
    ...base,
    test: {
      ...base.test,
      include: [...files, `src/${BUN_ONLY_TESTS}`],
      exclude: [...configDefaults.exclude],
      setupFiles: [fileURLToPath(new URL("./vitest.bun.setup.ts", import.meta.url))],
      deps: {
        ...base.test?.deps,
        // Bun reports `__esModule` on every ES module namespace, so vitest's CommonJS interop would
        // replace a package's exports with its default export (zod's `z` goes missing). Bun's own
        // import already gives CommonJS modules their named exports.
        interopDefault: false,
      },
    },
  })
}
