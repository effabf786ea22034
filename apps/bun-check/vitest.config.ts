import { defineConfig } from "vitest/config"

// Elysia serves through Bun.serve: this app's tests run on Bun only (`pnpm --filter @dockstat/bun-check test:bun`).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
