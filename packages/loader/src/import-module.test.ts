import { readdirSync, statSync } from "node:fs"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

import { importPluginModule } from "./import-module.ts"
import { ImportNotAllowedError, defaultSdkUrl, prepareModuleSource } from "./module-source.ts"

const SDK_URL = defaultSdkUrl()

describe("prepareModuleSource", () => {
  it("points the SDK specifiers at the SDK and keeps built-ins", async () => {
    const { source } = await prepareModuleSource(
      'import { column } from "@dockstat/plugin-handler"\nimport { column as c2 } from "@dockstat/sqlite-wrapper"\nimport fs from "fs"\nexport default {}',
    )
    expect(source).toContain(`from ${SDK_URL}`.replace(SDK_URL, ""))
    expect(source.match(new RegExp(SDK_URL.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g"))).toHaveLength(2)
    expect(source).toContain('from "node:fs"')
    expect(source).not.toContain("@dockstat/")
  })

  it("refuses any other bare import, naming it", async () => {
    await expect(prepareModuleSource('import _ from "lodash"\nexport default {}')).rejects.toThrow(ImportNotAllowedError)
    await expect(prepareModuleSource('const m = await import("left-pad")\nexport default {}')).rejects.toThrow(/import of "left-pad" is not allowed/)
    await expect(prepareModuleSource('import x from "./local.js"\nexport default {}')).rejects.toThrow(/"\.\/local\.js"/)
  })

  it("leaves import-like text in strings and comments alone", async () => {
    const code = '// import x from "lodash"\nconst s = \'import y from "zod"\'\nexport default { s }'
    const { source } = await prepareModuleSource(code)
    expect(source).toBe(code)
  })

  it("imports column for code that uses it without an import, as the seed's examples do", async () => {
    expect((await prepareModuleSource("export default { t: column.id() }")).injectedColumn).toBe(true)
    expect((await prepareModuleSource('import { column } from "@dockstat/plugin-handler"\nexport default { t: column.id() }')).injectedColumn).toBe(false)
  })
})

describe("importPluginModule", () => {
  it("runs the module and returns its namespace, with the SDK available", async () => {
    const namespace = await importPluginModule('import { column } from "@dockstat/sqlite-wrapper"\nexport default { name: "x", col: column.text() }')
    expect(namespace.default).toEqual({ name: "x", col: { kind: "text" } })
  })

  it("runs the seed's example that uses column without importing it", async () => {
    const namespace = await importPluginModule("export default { columns: { id: column.id(), data: column.json() } }")
    expect(namespace.default).toEqual({ columns: { id: { kind: "id" }, data: { kind: "json" } } })
  })

  it("keeps a plugin's own `column` binding", async () => {
    const namespace = await importPluginModule("const column = { id: () => 'mine' }\nexport default { id: column.id() }")
    expect(namespace.default).toEqual({ id: "mine" })
  })

  it("runs the code afresh on every import (no module cache between loads)", async () => {
    const code = "globalThis.__dockstatImports = (globalThis.__dockstatImports ?? 0) + 1\nexport default {}"
    await importPluginModule(code)
    await importPluginModule(code)
    expect((globalThis as Record<string, unknown>).__dockstatImports).toBe(2)
  })

  it("writes to a private 0700 directory and removes the file after the import", async () => {
    const namespace = await importPluginModule("export default { url: import.meta.url }")
    const file = fileURLToPath((namespace.default as { url: string }).url)
    const dir = dirname(file)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(file).toMatch(/[0-9a-f]{64}-\d+-\d+-\d+\.mjs$/)
    expect(readdirSync(dir)).not.toContain(file.split("/").at(-1))
  })

  it("reports a syntax error", async () => {
    await expect(importPluginModule("export default {")).rejects.toThrow(/syntax error at line 1/)
  })
})
