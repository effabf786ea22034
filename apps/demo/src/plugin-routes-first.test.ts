import { Hono } from "hono"
import { getPath } from "hono/utils/url"
import { describe, expect, it } from "vitest"

import { pluginRoutePath } from "./plugin-routes-first.ts"

const API = "/api/v2/plugins"

/** The demo's routes (app.ts) in Hono, each answering which one matched. */
function routeNames(): Hono {
  const app = new Hono()
  const name = (route: string) => () => new Response(route)
  app.get(API, name("list"))
  app.post(`${API}/install`, name("install"))
  app.get(`${API}/:id`, name("plugin"))
  app.delete(`${API}/:id`, name("delete"))
  app.post(`${API}/:id/activate`, name("activate"))
  app.post(`${API}/:id/deactivate`, name("deactivate"))
  app.post(`${API}/:id/reload`, name("reload"))
  app.all(`${API}/:id/routes/*`, name("plugin-route"))
  app.notFound(() => new Response("none"))
  return app
}

const urls = [
  "http://127.0.0.1:3000/api/v2/plugins/7/routes/x",
  "http://localhost/api/v2/plugins/7/routes/x/y?z=1&w=%2F",
  "http://localhost/api/v2/plugins/7/routes/",
  "http://localhost/api/v2/plugins/abc/routes/x",
  "http://localhost/api/v2/plugins/a.b~c!/routes/x",
  "http://[::1]:8080/api/v2/plugins/7/routes/items/42",
  "https://example.com/api/v2/plugins/7/routes/x",
  // Left to Hono: encoded characters, the bare /routes, odd shapes.
  "http://localhost/api/v2/plugins/7/routes/%7Ex",
  "http://localhost/api/v2/plugins/%37/routes/x",
  "http://localhost/api/v2/plugins/7/%72outes/x",
  "http://localhost/api/v2/plugins/7/routes",
  "http://localhost/api/v2/plugins/7/routes?x=1",
  "http://localhost/api/v2/plugins//routes/x",
  "http://localhost/api/v2/plugins/7/routesx/y",
  "http://localhost/api/v2/plugins/7/ROUTES/x",
  "http://localhost/api/v2/plugins/7",
  "http://localhost/api/v2/plugins/install",
  "http://localhost/api/v2/pluginsX/7/routes/x",
  "http://localhost/api/v2/plugins",
  "http://localhost/",
]

describe("pluginRoutePath", () => {
  it.each(urls)("serves first only what Hono routes to the plugin handler too, with Hono's path: %s", async (url) => {
    const path = pluginRoutePath(url, API)
    if (path === undefined) return
    const request = new Request(url, { method: "POST" })
    expect(path).toBe(getPath(request))
    expect(await (await routeNames().fetch(request)).text()).toBe("plugin-route")
  })

  it("recognises the plain plugin route URLs (the point of the fast path)", () => {
    expect(urls.slice(0, 7).map((url) => pluginRoutePath(url, API))).toEqual([
      "/api/v2/plugins/7/routes/x",
      "/api/v2/plugins/7/routes/x/y",
      "/api/v2/plugins/7/routes/",
      "/api/v2/plugins/abc/routes/x",
      "/api/v2/plugins/a.b~c!/routes/x",
      "/api/v2/plugins/7/routes/items/42",
      "/api/v2/plugins/7/routes/x",
    ])
    expect(urls.slice(7).map((url) => pluginRoutePath(url, API))).toEqual(urls.slice(7).map(() => undefined))
  })
})
