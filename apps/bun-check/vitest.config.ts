import { defineConfig } from "vitest/config"

// Elysia serves through Bun.serve: this app's tests run on Bun only (`pnpm --filter @dockstat/bun-check test:bun`).
// The first sandbox of the process compiles QuickJS: seconds on a busy machine. The limits only bound how
// long a failure takes.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
