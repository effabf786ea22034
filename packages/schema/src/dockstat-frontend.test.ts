import { describe, expect, it } from "vitest"

import { MAX_FRONTEND_BYTES, frontendConfigSchema } from "./frontend.ts"
import { formatZodError } from "./validation.ts"

const problem = (value: unknown) => {
  const result = frontendConfigSchema.safeParse(value)
  return result.success ? null : formatZodError(result.error)
}

describe("config.frontend (upstream's PluginFrontendConfig)", () => {
  it("accepts upstream's shape, with fields it does not know", () => {
    const frontend = {
      routes: [
        {
          path: "/stacks",
          template: { type: "container", children: [] },
          meta: { title: "Stacks", showInNav: true, navOrder: 2, badge: "new" },
          loaders: [{ id: "stacks", apiRoute: "/stacks", method: "GET", polling: { interval: 5000 } }],
          actions: [{ id: "reload", type: "reload", loaderIds: ["stacks"] }],
        },
      ],
      sharedFragments: [{ id: "header" }],
      globalState: { initial: { filter: "" }, computed: { count: "stacks.length" } },
      globalActions: [{ id: "nav", type: "navigate", path: "/stacks" }],
      globalLoaders: [],
      theme: "dark",
    }
    expect(frontendConfigSchema.parse(frontend)).toEqual(frontend)
  })

  it.each([
    ["a function", { routes: [{ path: "/a", template: { onClick: () => 1 } }] }, /routes\.0\.template\.onClick \(a function\)/],
    ["a Date", { globalState: { initial: { since: new Date(0) } } }, /globalState\.initial\.since \(a Date object\)/],
    ["NaN", { sharedFragments: [Number.NaN] }, /sharedFragments\.0 \(NaN\)/],
    ["a cycle", (() => { const loop: Record<string, unknown> = {}; loop.self = loop; return { sharedFragments: [loop] } })(), /sharedFragments\.0\.self \(a cycle\)/],
  ])("refuses %s, naming where it is", (_what, value, message) => {
    expect(problem(value)).toMatch(message)
  })

  it("refuses a route without a path, a loader without an apiRoute and an unknown action type", () => {
    expect(problem({ routes: [{ template: {} }] })).toMatch(/routes\.0\.path/)
    expect(problem({ routes: [{ path: "dashboard", template: {} }] })).toMatch(/routes\.0\.path: a frontend route's path must start with \//)
    expect(problem({ globalLoaders: [{ id: "x" }] })).toMatch(/globalLoaders\.0\.apiRoute/)
    expect(problem({ globalActions: [{ id: "x", type: "teleport" }] })).toMatch(/globalActions\.0\.type/)
  })

  it("refuses more than MAX_FRONTEND_BYTES of JSON", () => {
    expect(problem({ sharedFragments: ["x".repeat(MAX_FRONTEND_BYTES)] })).toMatch(/is \d+ bytes of JSON, more than the 262144 allowed/)
    expect(problem({ sharedFragments: ["x".repeat(MAX_FRONTEND_BYTES - 100)] })).toBeNull()
  })
})
