import { PluginError } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { errorToResponse } from "./error-to-response.ts"

describe("errorToResponse", () => {
  it("answers a PluginError with its status and its JSON: code, message, plugin, action", async () => {
    const error = new PluginError("ACTION_FAILED", 'Action "save" of plugin "demo" failed: boom', {
      pluginId: 2,
      plugin: "demo",
      action: "save",
      cause: new Error("boom"),
    })
    const response = errorToResponse(error)
    expect(response.status).toBe(500)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(await response.json()).toEqual({
      error: "ACTION_FAILED",
      message: 'Action "save" of plugin "demo" failed: boom',
      pluginId: 2,
      plugin: "demo",
      action: "save",
    })
  })

  it("never sends a stack or the cause", async () => {
    const cause = new Error("inner secret")
    const text = await errorToResponse(new PluginError("ACTION_FAILED", "failed", { cause })).text()
    expect(text).not.toContain("stack")
    expect(text).not.toContain("inner secret")
    expect(text).not.toMatch(/\bat .*\.ts:\d+/)
  })

  it("sends the error's headers, such as Allow on a 405", async () => {
    const response = errorToResponse(new PluginError("METHOD_NOT_ALLOWED", "no", { headers: { Allow: "GET, POST" } }))
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("GET, POST")
    expect(response.headers.get("content-type")).toBe("application/json")
  })

  it.each([
    ["BAD_REQUEST", 400],
    ["PLUGIN_NOT_FOUND", 404],
    ["PAYLOAD_TOO_LARGE", 413],
    ["PLUGIN_NOT_LOADED", 503],
    ["ACTION_TIMEOUT", 504],
  ] as const)("answers %s with %i", (code, status) => {
    expect(errorToResponse(new PluginError(code, "x")).status).toBe(status)
  })

  it("includes the error's data, such as the routes of a 404", async () => {
    const response = errorToResponse(new PluginError("ROUTE_NOT_FOUND", "no route", { data: { routes: ["/a"] } }))
    expect(await response.json()).toEqual({ error: "ROUTE_NOT_FOUND", message: "no route", routes: ["/a"] })
  })

  it("answers anything else with 500 INTERNAL and its message, without a stack", async () => {
    const response = errorToResponse(new TypeError("x is not a function"))
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: "INTERNAL", message: "x is not a function" })
    expect((await errorToResponse("just text").json()) as unknown).toEqual({ error: "INTERNAL", message: "just text" })
  })

  it("recognises a PluginError by its brand, not its class (one rebuilt after a worker boundary)", async () => {
    const rebuilt = Object.assign(new Error("gone"), {
      __dockstat_plugin_error__: true,
      code: "PLUGIN_NOT_LOADED",
      status: 503,
      headers: { "retry-after": "1" },
    })
    const response = errorToResponse(rebuilt)
    expect(response.status).toBe(503)
    expect(response.headers.get("retry-after")).toBe("1")
    expect(await response.json()).toEqual({ error: "PLUGIN_NOT_LOADED", message: "gone" })
  })

  it("still answers when the error's data cannot be encoded", async () => {
    const response = errorToResponse(new PluginError("TABLE_ERROR", "bad value", { data: { value: 1n } }))
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: "TABLE_ERROR", message: "bad value" })
  })
})
