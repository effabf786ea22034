import { isPluginError } from "@dockstat/plugin-schema"
import type { RouteConfig } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { routesFromConfig } from "./routes-from-config.ts"

function failure(apiRoutes: Record<string, unknown>): { code: unknown; status: unknown; message: string } {
  try {
    routesFromConfig(apiRoutes as Record<string, RouteConfig>)
  } catch (error) {
    if (!isPluginError(error)) throw error
    return { code: error.code, status: error.status, message: error.message }
  }
  throw new Error("expected routesFromConfig to throw")
}

describe("routesFromConfig", () => {
  it("returns no routes for a plugin without apiRoutes", () => {
    expect(routesFromConfig(undefined)).toEqual([])
    expect(routesFromConfig({})).toEqual([])
  })

  it("defaults the method to GET and keeps the original key", () => {
    expect(routesFromConfig({ "/status": { actions: ["getStatus"] } })).toEqual([
      { key: "/status", path: "/status", methods: ["GET"], actions: ["getStatus"] },
    ])
  })

  it("takes one method or a list, upper-casing and de-duplicating them", () => {
    const routes = routesFromConfig({
      "/save": { method: "post" as "POST", actions: ["validate", "save"] },
      "/items/:id": { method: ["get", "DELETE", "GET"] as ("GET" | "DELETE")[], actions: ["load"] },
    })
    expect(routes).toEqual([
      { key: "/save", path: "/save", methods: ["POST"], actions: ["validate", "save"] },
      { key: "/items/:id", path: "/items/:id", methods: ["GET", "DELETE"], actions: ["load"] },
    ])
  })

  it("reads a method given in the key, case-insensitively", () => {
    expect(routesFromConfig({ "POST /items": { actions: ["create"] }, "delete /items/:id": { actions: ["remove"] } })).toEqual([
      { key: "POST /items", path: "/items", methods: ["POST"], actions: ["create"] },
      { key: "delete /items/:id", path: "/items/:id", methods: ["DELETE"], actions: ["remove"] },
    ])
  })

  it("accepts a method in both places when they agree", () => {
    expect(routesFromConfig({ "PUT /x": { method: ["put" as "PUT"], actions: ["a"] } })[0]?.methods).toEqual(["PUT"])
  })

  it("refuses a method in the key that method contradicts, naming the key", () => {
    const error = failure({ "POST /items": { method: "GET", actions: ["a"] } })
    expect(error.code).toBe("INVALID_PLUGIN")
    expect(error.status).toBe(422)
    expect(error.message).toContain('"POST /items"')
    expect(error.message).toMatch(/POST.*GET/)
    expect(failure({ "POST /items": { method: ["POST", "PUT"], actions: ["a"] } }).code).toBe("INVALID_PLUGIN")
  })

  it("drops a trailing slash from the path but keeps the key as written", () => {
    expect(routesFromConfig({ "/status/": { actions: ["a"] } })[0]).toMatchObject({ key: "/status/", path: "/status" })
    expect(routesFromConfig({ "/": { actions: ["a"] } })[0]).toMatchObject({ key: "/", path: "/" })
  })

  it.each([
    ["status", "no leading slash"],
    ["", "empty key"],
    ["GET", "a method without a path"],
    ["FETCH /x", "an unknown method in the key"],
    ["/a b", "a space in the path"],
    ["/a//b", "an empty segment"],
    ["/items/:", "a param without a name"],
    ["/items/:1id", "a param name starting with a digit"],
    ["/items/:id-x", "a param name with a dash"],
    ["/a/:id/b/:id", "a param used twice"],
  ])("refuses the malformed key %j (%s), naming it", (key) => {
    const error = failure({ [key]: { actions: ["a"] } })
    expect(error.code).toBe("INVALID_PLUGIN")
    expect(error.message).toContain(`"${key}"`)
  })

  it.each([
    [{ method: "FETCH", actions: ["a"] }, /FETCH.*not an HTTP method/],
    [{ method: [], actions: ["a"] }, /at least one/],
    [{ method: 5, actions: ["a"] }, /not an HTTP method/],
    [{ actions: [] }, /actions/],
    [{ actions: "a" }, /actions/],
    [{ actions: ["a", ""] }, /action/],
    [null, /object/],
  ])("refuses the route config %j", (config, message) => {
    const error = failure({ "/x": config })
    expect(error.code).toBe("INVALID_PLUGIN")
    expect(error.message).toMatch(message)
    expect(error.message).toContain('"/x"')
  })

  it("copies the actions list so later changes to the config do not reach the route", () => {
    const actions = ["a"]
    const [route] = routesFromConfig({ "/x": { actions } })
    actions.push("b")
    expect(route?.actions).toEqual(["a"])
  })
})
