import { defineConfig } from "vitest/config"

// The real-engine tests start dockerd and restart it once; the engine restores its containers in the
// background for about ten seconds after a restart. The limits only bound how long a failure takes.
export default defineConfig({
  test: {
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
})
