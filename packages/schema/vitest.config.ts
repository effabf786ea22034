import { defineConfig } from "vitest/config"

// Tests run beside others on a busy 2-core machine: the first plugin table a process creates loads
// drizzle-kit, which can take seconds. The limits only bound how long a failure takes.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
