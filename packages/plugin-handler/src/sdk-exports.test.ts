/**
 * What this package's index offers plugin code from the schema is what plugin code gets at run time: an
 * import of `@dockstat/plugin-handler` in a plugin is served PLUGIN_SDK in every runtime, so a name the
 * types offer and the SDK lacks would type-check and then fail to link in the sandbox and the worker.
 */
import * as schema from "@dockstat/plugin-schema"
import { PLUGIN_SDK_EXPORTS } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"

import * as index from "./index.ts"

describe("@dockstat/plugin-handler's SDK names", () => {
  it("are all served to plugin code", () => {
    const fromSchema = Object.keys(index).filter((name) => Object.hasOwn(schema, name) && name !== "default")
    expect(fromSchema.length).toBeGreaterThan(10)
    expect(fromSchema.filter((name) => !PLUGIN_SDK_EXPORTS.includes(name))).toEqual([])
  })
})
