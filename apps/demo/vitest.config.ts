import { defineConfig } from "vitest/config"

// The e2e tests start real servers and the CLI tests real processes; the first plugin table a process
// creates loads drizzle-kit, which takes seconds on a busy machine.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
