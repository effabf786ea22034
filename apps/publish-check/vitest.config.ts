import { defineConfig } from "vitest/config"

// Building every package, packing it and installing the tarballs with npm takes about a minute with a
// warm npm cache; a cold cache on a busy machine, several. The limits only bound how long a failure takes.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 480_000,
  },
})
