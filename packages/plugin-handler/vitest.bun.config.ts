import { defineBunConfig } from "../../vitest.bun.ts"

import base from "./vitest.config.ts"

/**
 * The files that run on Bun too (`pnpm --filter @dockstat/plugin-handler test:bun`, part of `pnpm test`),
 * besides every `src/*.bun.test.ts`. To run another test file on Bun, add its path here.
 */
export default defineBunConfig(base, [
  "src/seed-examples.test.ts",
  "src/plugin-handler.test.ts",
  "src/hostile-plugins.test.ts",
  // The DockStat compatibility suite: the query builder, columns, plugin-builder and upstream events.
  "src/dockstat-columns.test.ts",
  "src/dockstat-hostile-sql.test.ts",
  "src/dockstat-plugin-builder.test.ts",
  "src/dockstat-query-builder.test.ts",
  "src/dockstat-readme.test.ts",
  "src/upstream-events.test.ts",
])
