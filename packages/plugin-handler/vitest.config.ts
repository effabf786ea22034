import { defineConfig } from "vitest/config"

// The first sandbox of a test process compiles QuickJS and bundles the guest runtime, and the first
// worker bundles the worker runtime: seconds on a busy machine. The limits only bound how long a failure takes.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
