import { describe, expect, it } from "vitest"
import { errorToResponse } from "./error-to-response.ts"
import { methodNotAllowed, routeNotFound } from "./errors.ts"

const plugin = { id: 4, name: "demo", version: "1.0.0" }

describe("routeNotFound", () => {
  it("is a 404 naming the plugin and path and listing the plugin's routes", async () => {
    const error = routeNotFound(plugin, "/statuz", ["/status", "/items/:id"])
    expect(error.code).toBe("ROUTE_NOT_FOUND")
    expect(error.status).toBe(404)
    expect(error.message).toBe('Plugin "demo" has no route "/statuz"')
    expect(error.data).toEqual({ routes: ["/status", "/items/:id"] })
    expect(await errorToResponse(error).json()).toEqual({
      error: "ROUTE_NOT_FOUND",
      message: 'Plugin "demo" has no route "/statuz"',
      pluginId: 4,
      plugin: "demo",
      routes: ["/status", "/items/:id"],
    })
  })
})

describe("methodNotAllowed", () => {
  it("is a 405 with the Allow header", () => {
    const error = methodNotAllowed(plugin, "DELETE", "/save", ["GET", "POST"])
    expect(error.code).toBe("METHOD_NOT_ALLOWED")
    expect(error.status).toBe(405)
    expect(error.headers).toEqual({ Allow: "GET, POST" })
    expect(error.message).toBe('Route "/save" of plugin "demo" does not accept DELETE (allowed: GET, POST)')
    const response = errorToResponse(error)
    expect(response.headers.get("allow")).toBe("GET, POST")
  })
})
