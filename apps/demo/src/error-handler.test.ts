import { Hono } from "hono"
import { describe, expect, it } from "vitest"
import { PluginError } from "@dockstat/plugin-handler"

import { createErrorHandler, notFoundHandler } from "./error-handler.ts"

function appThrowing(error: unknown): Hono {
  const app = new Hono()
  app.get("/boom", () => {
    throw error
  })
  app.notFound(notFoundHandler)
  app.onError(createErrorHandler(undefined))
  return app
}

describe("the app's error handler", () => {
  it("answers a PluginError with its status, headers and JSON body", async () => {
    const error = new PluginError("METHOD_NOT_ALLOWED", "no DELETE here", { plugin: "p", headers: { Allow: "GET" } })
    const response = await appThrowing(error).request("/boom")
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("GET")
    expect(await response.json()).toEqual({ error: "METHOD_NOT_ALLOWED", message: "no DELETE here", plugin: "p" })
  })

  it("answers anything else with a 500 that carries neither the stack nor the internal message", async () => {
    const response = await appThrowing(new Error("password=hunter2 at /srv/secret.ts:12")).request("/boom")
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({ error: "INTERNAL", message: "Internal server error" })
    expect(text).not.toContain("hunter2")
  })

  it("answers unknown paths with 404 JSON naming the request", async () => {
    const response = await appThrowing(new Error("unused")).request("/missing", { method: "PUT" })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: "NOT_FOUND", message: "Nothing is served at PUT /missing" })
  })
})
