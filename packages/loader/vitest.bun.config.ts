import { defineBunConfig } from "../../vitest.bun.ts"

import base from "./vitest.config.ts"

/**
 * The files that run on Bun too (`pnpm --filter @dockstat/plugin-loader test:bun`, part of `pnpm test`),
 * besides every `src/*.bun.test.ts`: module loading (the temp-file import, the inline transform, the
 * import policy) and the sandbox's QuickJS. To run another test file on Bun, add its path here.
 */
export default defineBunConfig(base, [
  "src/import-module.test.ts",
  "src/module-function.test.ts",
  "src/module-policy.test.ts",
  "src/sandbox-runtime.test.ts",
  "src/load-plugin.test.ts",
])
