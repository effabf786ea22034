import { configDefaults, defineConfig } from "vitest/config"

import { BUN_ONLY_TESTS } from "../../vitest.bun.ts"

// The first sandbox of a test process compiles QuickJS and bundles the guest runtime, and the first
// worker bundles the worker runtime: seconds on a busy machine. The limits only bound how long a failure takes.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    exclude: [...configDefaults.exclude, BUN_ONLY_TESTS],
  },
})
