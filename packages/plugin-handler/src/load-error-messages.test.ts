import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

import type { RuntimeKind } from "@dockstat/plugin-schema"

const temp = useTempDir()
const open: { handler: PluginHandler; db: DB }[] = []
afterEach(async () => {
  for (const { handler, db } of open.splice(0)) {
    await handler.close()
    db.close()
  }
})

function host(dir: string, runtime: RuntimeKind) {
  const db = new DB(join(dir, "host.db"))
  const handler = new PluginHandler(db, [], { logLevel: "silent", runtime })
  open.push({ handler, db })
  return handler
}

// The seed's "Multi-Action Routes" example as written: `const valid = /* schema validation */` then `return`.
const seedExample = `export default {
  name: "data-processor",
  config: {
    apiRoutes: { "/process": { method: "POST", actions: ["validateSchema"] } },
    actions: {
      validateSchema: ({ previousAction, logger }) => {
        if (!previousAction.success) return previousAction

        const valid = /* schema validation */
        return { ...previousAction, valid }
      },
    },
  },
}
`

describe.each<RuntimeKind>(["sandbox", "worker", "inline"])("a plugin that does not parse, in the %s runtime", (runtime) => {
  it("fails to load naming the line and column, and to install without an id 0", async () => {
    const dir = temp()
    const handler = host(dir, runtime)
    const saved = handler.savePlugin(pluginInput("data-processor", seedExample))
    if (!saved.success) throw new Error(saved.message)
    await expect(handler.loadPlugin(saved.id)).rejects.toThrow(/\(id 1\): .*'return'.* \(syntax error at line 10, column 9: return \{ \.\.\.previousAction, valid \}\)$/)

    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ name: "other", version: "1.0.0", plugin: seedExample.replace("data-processor", "other") }))
    const install = await handler.installFromManifestLink(join(dir, "manifest.json"))
    expect(install).toMatchObject({ success: false, kind: "invalid-plugin", message: expect.stringContaining("syntax error at line 10, column 9") })
    expect(install.message).not.toContain("id 0")
    expect(install.message).toContain('Could not load plugin "other":')
  })
})

// A module that throws while it loads, from a function, so the place is not the first line.
const throwsWhileLoading = `import { column } from "@dockstat/plugin-handler"
function connect() {
  throw new Error("no connection string")
}
connect()
export default { config: { table: { name: "t", columns: { id: column.id() } } } }
`

// All on line 1, using `column` without importing it (as the seed's examples do): the runtimes add the
// import, and the place of the throw is still the one in the stored code.
const throwsOnLineOne = `function connect() { throw new Error("no connection string") } connect(); export default { config: { table: { name: "t", columns: { id: column.id() } } } }`

// QuickJS places a throw at the call of the constructor, V8 at "new".
const throwingModules = [
  ["from a function, not on the first line", throwsWhileLoading, /no connection string \(thrown at line 3, column (9|18) of the plugin's code\)$/],
  ["on line 1, with `column` added by the runtime", throwsOnLineOne, /no connection string \(thrown at line 1, column (28|37) of the plugin's code\)$/],
] as const

describe.each<RuntimeKind>(["sandbox", "worker", "inline"])("a plugin that throws while loading, in the %s runtime", (runtime) => {
  it.each(throwingModules)("fails to load naming its message and the line and column in its code where it threw: %s", async (_case, code, message) => {
    const handler = host(temp(), runtime)
    const saved = handler.savePlugin(pluginInput("throws", code))
    if (!saved.success) throw new Error(saved.message)
    await expect(handler.loadPlugin(saved.id)).rejects.toThrow(message)
  })
})

describe("a JavaScript file given to install", () => {
  it("says it is plugin code, not a manifest, and how to wrap it: by its name or by its content", async () => {
    const dir = temp()
    const handler = host(dir, "inline")
    writeFileSync(join(dir, "index.js"), seedExample)
    writeFileSync(join(dir, "plugin.txt"), `// a plugin\nimport { column } from "@dockstat/plugin-handler"\n${seedExample}`)
    const byName = await handler.installFromManifestLink(join(dir, "index.js"))
    expect(byName).toMatchObject({ success: false, kind: "parse", message: expect.stringContaining("index.js is plugin code (JavaScript), not a manifest") })
    expect(byName.message).toContain('"pluginUrl": "./index.js"')
    const byContent = await handler.installFromManifestLink(join(dir, "plugin.txt"))
    expect(byContent).toMatchObject({ success: false, kind: "parse", message: expect.stringContaining("plugin.txt is plugin code (JavaScript), not a manifest") })
  })
})
