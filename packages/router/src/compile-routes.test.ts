import { isPluginError } from "@dockstat/plugin-schema"
import type { RouteDescriptor } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { compileRoutes } from "./compile-routes.ts"
import type { RouteMatch } from "./compile-routes.ts"
import { routesFromConfig } from "./routes-from-config.ts"

const table = compileRoutes(
  routesFromConfig({
    "/status": { method: "GET", actions: ["getStatus"] },
    "/save": { method: ["POST", "PUT"], actions: ["validate", "save"] },
    "/items": { method: ["GET", "POST"], actions: ["list"] },
    "/items/new": { method: "GET", actions: ["form"] },
    "/items/:id": { method: ["GET", "DELETE"], actions: ["load"] },
    "/items/:id/tags/:tag": { actions: ["tag"] },
    "/:kind/new/edit": { actions: ["editNew"] },
    "/items/:id/edit": { actions: ["edit"] },
    "HEAD /ping": { actions: ["pingHead"] },
    "/ping": { actions: ["ping"] },
    "/": { actions: ["root"] },
  }),
)

function found(match: RouteMatch): { key: string; params: Record<string, string> } {
  if (match.kind !== "found") throw new Error(`expected a route, got ${JSON.stringify(match)}`)
  return { key: match.route.key, params: { ...match.params } }
}

function thrown(run: () => unknown): { code: unknown; message: string } {
  try {
    run()
  } catch (error) {
    if (!isPluginError(error)) throw error
    return { code: error.code, message: error.message }
  }
  throw new Error("expected a PluginError")
}

describe("compileRoutes: matching", () => {
  it("finds a static route by method and path", () => {
    expect(found(table.match("GET", "/status"))).toEqual({ key: "/status", params: {} })
    expect(found(table.match("PUT", "/save")).key).toBe("/save")
    expect(found(table.match("GET", "/"))).toEqual({ key: "/", params: {} })
  })

  it("matches a path with a trailing slash to the same route", () => {
    expect(found(table.match("GET", "/status/")).key).toBe("/status")
    expect(found(table.match("GET", "/items/7/")).params).toEqual({ id: "7" })
  })

  it("never treats the query string as part of the path", () => {
    expect(found(table.match("GET", "/status?verbose=1")).key).toBe("/status")
    expect(found(table.match("GET", "/status/?x=/y")).key).toBe("/status")
    expect(found(table.match("GET", "/items/7?x=1"))).toEqual({ key: "/items/:id", params: { id: "7" } })
  })

  it("treats a path without a leading slash or an empty path like the rooted one", () => {
    expect(found(table.match("GET", "status")).key).toBe("/status")
    expect(found(table.match("GET", "")).key).toBe("/")
  })

  it("accepts the method in any case", () => {
    expect(found(table.match("delete", "/items/3")).key).toBe("/items/:id")
    expect(found(table.match("Post", "/items")).key).toBe("/items")
  })

  it("captures one URL-decoded segment per param", () => {
    expect(found(table.match("GET", "/items/a%20b%2Fc")).params).toEqual({ id: "a b/c" })
    expect(found(table.match("GET", "/items/caf%C3%A9/tags/x%2By")).params).toEqual({ id: "café", tag: "x+y" })
    expect(found(table.match("GET", "/items/plain+text")).params).toEqual({ id: "plain+text" })
  })

  it("does not let a param capture an empty segment or several segments", () => {
    expect(table.match("GET", "/items//tags/x")).toEqual({ kind: "not-found" })
    expect(table.match("GET", "/items/1/2")).toEqual({ kind: "not-found" })
  })

  it("answers a malformed percent-encoding in a param with a 400 BAD_REQUEST", () => {
    const error = thrown(() => table.match("GET", "/items/%E0%A4%A"))
    expect(error.code).toBe("BAD_REQUEST")
    expect(error.message).toContain("%E0%A4%A")
    expect(thrown(() => table.match("GET", "/items/%zz")).code).toBe("BAD_REQUEST")
  })

  it("prefers a static segment over a param", () => {
    expect(found(table.match("GET", "/items/new"))).toEqual({ key: "/items/new", params: {} })
    // At the first segment where they differ, the literal wins: /items/:id/edit over /:kind/new/edit.
    expect(found(table.match("GET", "/items/new/edit"))).toEqual({ key: "/items/:id/edit", params: { id: "new" } })
    expect(found(table.match("GET", "/things/new/edit"))).toEqual({ key: "/:kind/new/edit", params: { kind: "things" } })
  })

  it("falls back to a param route when the static route lacks the method", () => {
    // /items/new is GET only; DELETE /items/new is the param route's DELETE with id "new".
    expect(found(table.match("DELETE", "/items/new"))).toEqual({ key: "/items/:id", params: { id: "new" } })
  })

  it("answers an unknown path with not-found", () => {
    expect(table.match("GET", "/nope")).toEqual({ kind: "not-found" })
    expect(table.match("GET", "/status/extra")).toEqual({ kind: "not-found" })
    expect(table.match("GET", "/Status")).toEqual({ kind: "not-found" })
  })

  it("answers a known path with the wrong method with the allowed methods", () => {
    expect(table.match("DELETE", "/status")).toEqual({ kind: "method-not-allowed", allow: ["GET"] })
    expect(table.match("GET", "/save")).toEqual({ kind: "method-not-allowed", allow: ["POST", "PUT"] })
    expect(table.match("PROPFIND", "/items/3")).toEqual({ kind: "method-not-allowed", allow: ["GET", "DELETE"] })
  })

  it("lists the methods of every route the path matched in the Allow list", () => {
    // POST /items/new: the static /items/new (GET) and the param /items/:id (GET, DELETE) both match the path.
    expect(table.match("POST", "/items/new")).toEqual({ kind: "method-not-allowed", allow: ["GET", "DELETE"] })
  })

  it("answers HEAD with the GET route when there is no HEAD route", () => {
    expect(found(table.match("HEAD", "/status")).key).toBe("/status")
    expect(found(table.match("HEAD", "/items/9"))).toEqual({ key: "/items/:id", params: { id: "9" } })
  })

  it("prefers a declared HEAD route over the GET route", () => {
    expect(found(table.match("HEAD", "/ping")).key).toBe("HEAD /ping")
    expect(found(table.match("GET", "/ping")).key).toBe("/ping")
  })

  it("does not answer HEAD on a path without a GET route", () => {
    expect(table.match("HEAD", "/save")).toEqual({ kind: "method-not-allowed", allow: ["POST", "PUT"] })
  })

  it("gives every match its own params object", () => {
    const first = table.match("GET", "/items/1")
    if (first.kind === "found") first.params.id = "changed"
    expect(found(table.match("GET", "/items/1")).params).toEqual({ id: "1" })
  })
})

describe("compileRoutes: the table", () => {
  it("lists the descriptors and the distinct paths in declaration order", () => {
    const compiled = compileRoutes(
      routesFromConfig({ "/a": { actions: ["x"] }, "POST /a/": { actions: ["y"] }, "/b/:id": { actions: ["z"] } }),
    )
    expect(compiled.routes.map((route) => route.key)).toEqual(["/a", "POST /a/", "/b/:id"])
    expect(compiled.paths).toEqual(["/a", "/b/:id"])
  })

  it("is frozen, and so are its routes", () => {
    expect(Object.isFrozen(table)).toBe(true)
    expect(Object.isFrozen(table.routes)).toBe(true)
    expect(Object.isFrozen(table.paths)).toBe(true)
    const route = table.routes[0] as RouteDescriptor
    expect(Object.isFrozen(route) && Object.isFrozen(route.methods) && Object.isFrozen(route.actions)).toBe(true)
    expect(() => (table.routes as RouteDescriptor[]).push(route)).toThrow(TypeError)
  })

  it("is not changed by later changes to the descriptors it was built from", () => {
    const routes: RouteDescriptor[] = [{ key: "/a", path: "/a", methods: ["GET"], actions: ["x"] }]
    const compiled = compileRoutes(routes)
    ;(routes[0] as RouteDescriptor).methods.push("POST")
    ;(routes[0] as RouteDescriptor).actions.push("y")
    routes.push({ key: "/b", path: "/b", methods: ["GET"], actions: ["x"] })
    expect(compiled.match("POST", "/a")).toEqual({ kind: "method-not-allowed", allow: ["GET"] })
    expect(compiled.routes).toHaveLength(1)
    expect(compiled.routes[0]?.actions).toEqual(["x"])
  })

  it("answers not-found for everything when the plugin has no routes", () => {
    const empty = compileRoutes([])
    expect(empty.match("GET", "/")).toEqual({ kind: "not-found" })
    expect(empty.paths).toEqual([])
  })

  it("refuses two routes for the same path and method, naming both keys", () => {
    const error = thrown(() => compileRoutes(routesFromConfig({ "/a": { actions: ["x"] }, "GET /a/": { actions: ["y"] } })))
    expect(error.code).toBe("INVALID_PLUGIN")
    expect(error.message).toContain('"GET /a/"')
    expect(error.message).toContain('"/a"')
  })

  it("refuses two param routes that differ only in param names when a method overlaps", () => {
    const error = thrown(() =>
      compileRoutes(routesFromConfig({ "/i/:id": { actions: ["x"] }, "/i/:name": { method: ["POST", "GET"], actions: ["y"] } })),
    )
    expect(error.code).toBe("INVALID_PLUGIN")
    expect(error.message).toContain("/i/:id")
  })

  it("keeps same-shaped param routes apart by method, each with its own param names", () => {
    const compiled = compileRoutes(
      routesFromConfig({ "/i/:id": { actions: ["x"] }, "DELETE /i/:name": { actions: ["y"] } }),
    )
    expect(found(compiled.match("GET", "/i/1"))).toEqual({ key: "/i/:id", params: { id: "1" } })
    expect(found(compiled.match("DELETE", "/i/1"))).toEqual({ key: "DELETE /i/:name", params: { name: "1" } })
    expect(compiled.match("PUT", "/i/1")).toEqual({ kind: "method-not-allowed", allow: ["GET", "DELETE"] })
  })

  it.each([
    [{ key: "/a", path: "a", methods: ["GET"], actions: ["x"] }, /start with/],
    [{ key: "/a", path: "/a?b", methods: ["GET"], actions: ["x"] }, /query/],
    [{ key: "/a", path: "/a", methods: [], actions: ["x"] }, /methods/],
    [{ key: "/a", path: "/a", methods: ["FETCH"], actions: ["x"] }, /methods/],
    [{ key: "/a", path: "/a", methods: ["GET"], actions: [] }, /actions/],
    [{ key: 1, path: "/a", methods: ["GET"], actions: ["x"] }, /key and path/],
  ])("refuses the malformed descriptor %j", (descriptor, message) => {
    const error = thrown(() => compileRoutes([descriptor as unknown as RouteDescriptor]))
    expect(error.code).toBe("INVALID_PLUGIN")
    expect(error.message).toMatch(message)
  })

  it("accepts lower-case methods in descriptors from elsewhere (a worker, a manifest)", () => {
    const compiled = compileRoutes([{ key: "/a", path: "/a", methods: ["post" as "POST"], actions: ["x"] }])
    expect(found(compiled.match("POST", "/a")).key).toBe("/a")
  })

  it("refuses __proto__ as a param name (params is a plain object)", () => {
    expect(thrown(() => compileRoutes(routesFromConfig({ "/a/:__proto__": { actions: ["x"] } }))).code).toBe("INVALID_PLUGIN")
  })
})
