/**
 * @dockstat/plugin-handler/testing: run a plugin in the real host from a test (a temporary database,
 * the plugin loaded as an install loads it, its routes, hooks and table at hand).
 *
 * @example
 * import { createTestHost } from "@dockstat/plugin-handler/testing"
 * const host = await createTestHost({ entry: new URL("./index.ts", import.meta.url) })
 * expect((await host.request("/status")).status).toBe(200)
 * await host.close()
 */
export { createTestHost } from "./test-host.ts"
export type { TestHost, TestHostOptions, TestRequestInit, TestResponse } from "./test-host.ts"
