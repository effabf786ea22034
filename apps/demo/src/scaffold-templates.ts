/** What the templates of a new plugin project are filled with. */
export interface TemplateValues {
  name: string
  /** The plugin's table: from its name, so two scaffolded plugins do not share one. */
  table: string
  /** `link:` specifiers of the workspace packages, relative to the project. */
  sdk: string
  cli: string
  /** Versions of the workspace's own tools (the pnpm store has them, so an install needs no network). */
  versions: { typescript: string; vitest: string; typesNode: string }
}

export function packageJson(values: TemplateValues): string {
  const pkg = {
    name: values.name,
    version: "0.1.0",
    private: true,
    type: "module",
    description: `${values.name}: a DockStat plugin`,
    scripts: {
      build: "dockstat-plugins build",
      dev: "dockstat-plugins dev",
      test: "vitest run",
      typecheck: "tsc -p tsconfig.json",
    },
    dockstat: {
      permissions: { network: [], env: [] },
    },
    dependencies: {
      "@dockstat/plugin-handler": values.sdk,
    },
    devDependencies: {
      "@dockstat/demo": values.cli,
      "@types/node": values.versions.typesNode,
      typescript: values.versions.typescript,
      vitest: values.versions.vitest,
    },
  }
  return `${JSON.stringify(pkg, null, 2)}\n`
}

export const PNPM_WORKSPACE = `# This plugin is a project of its own, not a package of the DockStat workspace it links to: this file
# stops pnpm from looking for a workspace further up.
allowBuilds:
  esbuild: true
`

/** The workspace's compiler settings: the SDK is TypeScript source, checked with the plugin's own. */
export const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      module: "nodenext",
      moduleResolution: "nodenext",
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      isolatedModules: true,
      resolveJsonModule: true,
      types: ["node"],
    },
    include: ["src"],
  },
  null,
  2,
)}
`

export const VITEST_CONFIG = `import { defineConfig } from "vitest/config"

// Each test starts a real plugin host on a temporary database; the first sandboxed plugin of a process
// also compiles the QuickJS engine. Generous timeouts keep a busy machine from failing them.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
`

export const GITIGNORE = `node_modules
dist
`

export function indexTs(values: TemplateValues): string {
  return `import { column, definePlugin, reply } from "@dockstat/plugin-handler"

/**
 * ${values.name}: records container starts in its own table, and notes posted to it.
 *
 *   GET  /events          the latest events, newest first (?limit=N, default 20, at most 100)
 *   POST /events          adds a note: {"note": "deployed v2"} -> 201 {"id": 1}
 *   onContainerStart      records each container that starts
 */
export default definePlugin({
  config: {
    table: {
      name: "${values.table}",
      columns: {
        id: column.id(),
        kind: column.text({ notNull: true }),
        container: column.text(),
        note: column.text(),
        at: column.date({ defaultNow: true }),
      },
    },
    apiRoutes: {
      "/events": { method: ["GET", "POST"], actions: ["events"] },
    },
    actions: {
      events: ({ table, method, query, body }) => {
        if (table === null) throw new Error("the plugin's table is missing")
        if (method === "GET") {
          const limit = Math.min(Math.max(Number(query.limit ?? 20) || 20, 1), 100)
          return table.select(["*"]).orderBy("id", "desc").limit(limit).all()
        }
        const note = readNote(body)
        if (note === undefined) return reply({ error: 'send {"note": "some text"}' }, { status: 400 })
        return reply({ id: table.insert({ kind: "note", note }).insertId }, { status: 201 })
      },
    },
  },
  events: {
    onContainerStart: async ({ container, table, logger }) => {
      table?.insert({ kind: "start", container: container?.name ?? container?.id ?? null })
      logger.info(\`container \${container?.name ?? container?.id ?? "?"} started\`)
    },
  },
})

/** The note of a POST body, trimmed, or undefined when there is none. */
function readNote(body: unknown): string | undefined {
  const note = typeof body === "object" && body !== null ? (body as { note?: unknown }).note : undefined
  return typeof note === "string" && note.trim() !== "" ? note.trim() : undefined
}
`
}

export function indexTestTs(values: TemplateValues): string {
  return `import { afterEach, describe, expect, it } from "vitest"
import { createTestHost } from "@dockstat/plugin-handler/testing"

import type { TestHost } from "@dockstat/plugin-handler/testing"

import plugin from "./index.ts"

// Each host is a real plugin handler on a temporary database; close() removes it.
const hosts: TestHost[] = []
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close()
})

describe("${values.name}", () => {
  it("stores a note posted to /events and lists it", async () => {
    // The definition as imported here runs in the inline runtime: quick, and breakpoints work.
    const host = await createTestHost({ plugin })
    hosts.push(host)
    const created = await host.request("/events", { method: "POST", body: { note: "deployed v2" } })
    expect(created).toMatchObject({ status: 201, body: { id: 1 } })
    const listed = await host.request("/events")
    expect(listed).toMatchObject({ status: 200, body: [{ id: 1, kind: "note", note: "deployed v2" }] })
  })

  it("refuses a note without text", async () => {
    const host = await createTestHost({ plugin })
    hosts.push(host)
    const refused = await host.request("/events", { method: "POST", body: { note: "  " } })
    expect(refused).toMatchObject({ status: 400, body: { error: 'send {"note": "some text"}' } })
    expect(host.table?.count()).toBe(0)
  })

  it("records a container start from its hook", async () => {
    const host = await createTestHost({ plugin })
    hosts.push(host)
    await host.emit("onContainerStart", { container: { id: "4f2a9c", name: "web" } })
    expect(host.table?.all()).toMatchObject([{ kind: "start", container: "web", note: null }])
  })

  it("works the same in the sandbox, where an installed plugin runs", async () => {
    // The source bundled as \`pnpm build\` bundles it, then run in the default (sandbox) runtime.
    const host = await createTestHost({ entry: new URL("./index.ts", import.meta.url) })
    hosts.push(host)
    await host.emit("onContainerStart", { container: { id: "4f2a9c", name: "web" } })
    await host.request("/events", { method: "POST", body: { note: "deployed v2" } })
    const listed = await host.request("/events?limit=1")
    expect(listed).toMatchObject({ status: 200, body: [{ id: 2, kind: "note" }] })
    expect(host.instance.runtime).toBe("sandbox")
  })
})
`
}

export function readme(values: TemplateValues): string {
  return `# ${values.name}

A DockStat plugin. Its source is \`src/index.ts\`; \`src/index.test.ts\` runs it in a real plugin host.

\`\`\`bash
pnpm install      # links the DockStat SDK and CLI from the workspace checkout this project was made from
pnpm test         # the plugin in a real host, on a temporary database (inline and sandbox runtimes)
pnpm typecheck    # strict TypeScript, SDK included
pnpm build        # dist/plugin.js (one ES module), dist/plugin.js.map, dist/manifest.json (sha384 integrity)
pnpm dev          # the demo server with this plugin, rebuilt and reloaded on every change
\`\`\`

Install the build into the demo's database: \`pnpm exec dockstat-plugins install dist/manifest.json\`, or
serve \`dist/\` over HTTP and install \`<url>/manifest.json\`. Permissions (hosts \`fetch\` may reach,
environment variables the plugin gets) go in \`package.json\` under \`dockstat.permissions\`.

The SDK is linked (\`link:\` in package.json) to the checkout of the DockStat workspace that made this
project: keep that checkout where it is, or run \`pnpm install\` again after changing the paths.
`
}
