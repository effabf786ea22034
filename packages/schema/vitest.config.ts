import { defineConfig } from "vitest/config"

// Tests run beside others on a busy 2-core machine: the first plugin table a process creates loads
// drizzle-kit, which can take seconds. The limits only bound how long a failure takes.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Type tests (*.test-d.ts): `vitest run` runs tsc over them, so an inference that regresses fails `pnpm test` too.
    typecheck: {
      enabled: true,
      include: ["src/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
})
