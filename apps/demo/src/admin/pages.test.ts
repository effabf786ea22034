/**
 * The page's HTML over real HTTP, without a browser: 1000 plugins paged and filtered on the server,
 * text from plugins escaped, try-it confined to the plugin's routes, redirects kept on this host, and
 * the delete confirmation with its table choice. (The browser tests drive the same pages in Chromium.)
 */
import PluginHandler, { DB } from "@dockstat/plugin-handler"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { createApp } from "../app.ts"
import { listen } from "../listen.ts"
import type { Listening } from "../listen.ts"
import { createTempDir } from "../test-support/temp-dir.ts"
import { createAdmin } from "./index.ts"
import type { Admin } from "./index.ts"

const PLUGINS = 1000
const FORM = { "content-type": "application/x-www-form-urlencoded" }

const code = (index: number) =>
  index === 1
    ? `export default { config: { table: { name: "marks", columns: { id: column.id(), note: column.text() } }, apiRoutes: { "/status": { actions: ["status"] }, "/boom": { actions: ["boom"] }, "POST /mark": { actions: ["mark"] }, "POST /long": { actions: ["long"] } }, actions: { status: () => ({ ok: true, rows: 1 }), boom: () => { throw new Error("<script>alert('boom')</script>") }, mark: ({ table }) => table.insert({ note: "<b>bold</b>" }), long: ({ table }) => table.insert({ note: "y".repeat(100000) }) } } }`
    : `export default { config: { apiRoutes: { "/n": { actions: ["n"] } }, actions: { n: () => ${index} } }, events: { onContainerStart: () => {} } }`

describe(`the page with ${PLUGINS} plugins installed`, () => {
  const temp = createTempDir()
  let db: DB
  let handler: PluginHandler
  let admin: Admin
  let listening: Listening
  let url: string
  const page = async (path: string) => {
    const response = await fetch(`${url}${path}`)
    return { status: response.status, html: await response.text(), bytes: Number(response.headers.get("content-length") ?? 0) }
  }
  const rowsOf = (html: string) => [...html.matchAll(/<th scope="row"><a href="\/admin\/plugins\/([0-9]+)">/g)].map((match) => Number(match[1]))

  beforeAll(async () => {
    db = new DB(temp.file("d.db"))
    // Inline: 1000 plugins load in about a second, and the page reads the same status in every runtime.
    handler = new PluginHandler(db, ["API"], { logLevel: "silent", runtime: "inline" })
    admin = createAdmin(handler)
    for (let index = 1; index <= PLUGINS; index += 1) {
      const name = `plugin-${String(index).padStart(4, "0")}`
      const description = index === 2 ? `<img src=x onerror="alert(1)"> & friends` : `Plugin number ${index}`
      const saved = handler.savePlugin({ name, version: "1.0.0", description, repository: "https://example.com", manifest: `https://example.com/${name}.json`, author: {}, repoType: "default", plugin: code(index) })
      if (!saved.success) throw new Error(saved.message)
    }
    await handler.loadAllPlugins()
    for (const id of [10, 20, 30]) handler.deactivatePlugin(id)
    const app = createApp(handler, { admin })
    listening = await listen(app.fetch, 0, "127.0.0.1")
    url = `http://127.0.0.1:${listening.port}`
  }, 120_000)
  afterAll(async () => {
    admin?.close()
    await listening?.close()
    await handler?.close()
    db?.close()
    temp.remove()
  })

  it("shows 50 plugins a page, with the page count, in a page of bounded size", async () => {
    const first = await page("/")
    expect(first.status).toBe(200)
    expect(rowsOf(first.html)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1))
    expect(first.html).toContain(`Installed plugins <span class="count">(${PLUGINS})</span>`)
    expect(first.html).toContain("Page 1 of 20")
    // Each row is about 1.5 KB: the page does not grow with the number of plugins installed.
    expect(first.bytes).toBeGreaterThan(0)
    expect(first.bytes).toBeLessThan(150 * 1024)

    const last = await page("/?page=20")
    expect(rowsOf(last.html)).toEqual(Array.from({ length: 50 }, (_, index) => 951 + index))
    expect(last.html).toContain('href="/?page=19" rel="prev"')
    // A page past the end shows the last one.
    expect(rowsOf((await page("/?page=99")).html)[0]).toBe(951)
  })

  it("filters by name or description and by state, on the server", async () => {
    expect(rowsOf((await page("/?q=plugin-0777")).html)).toEqual([777])
    expect(rowsOf((await page("/?q=NUMBER%2012")).html)).toEqual([12, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129])
    const disabled = await page("/?state=disabled")
    expect(rowsOf(disabled.html)).toEqual([10, 20, 30])
    expect(disabled.html).toContain("(3 of 1000)")
    const running = await page("/?state=running&q=plugin-001")
    expect(rowsOf(running.html)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19])
    expect((await page("/?q=nothing-like-this")).html).toContain("No plugin matches this filter.")
    // The pager keeps the filter.
    expect((await page("/?state=running")).html).toContain('href="/?state=running&amp;page=2"')
  })

  it("a row says what the plugin is: state, runtime, routes with methods, hooks, table and rows, and its buttons", async () => {
    await fetch(`${url}/api/v2/plugins/1/routes/mark`, { method: "POST" })
    const { html } = await page("/")
    const row = html.slice(html.indexOf('<a href="/admin/plugins/1">'), html.indexOf('<a href="/admin/plugins/2">'))
    expect(row).toContain('<span class="badge state-running">running</span>')
    expect(row).toContain("<td>inline</td>")
    expect(row).toContain("<code>GET /status</code>")
    expect(row).toContain("<code>POST /mark</code>")
    expect(row).toContain("<code>marks</code><br>1 row")
    expect(row).toContain('action="/admin/plugins/1/deactivate"')
    expect(row).toContain('<span class="visually-hidden"> plugin-0001</span>')
    const disabledRow = html.slice(html.indexOf('<a href="/admin/plugins/10">'), html.indexOf('<a href="/admin/plugins/11">'))
    expect(disabledRow).toContain("state-disabled")
    expect(disabledRow).toContain('action="/admin/plugins/10/activate"')
  })

  it("escapes what plugins say: descriptions, error messages and table values are text, never markup", async () => {
    const boom = await fetch(`${url}/api/v2/plugins/1/routes/boom`)
    expect(boom.status).toBe(500)
    const described = await page("/admin/plugins/2")
    expect(described.html).not.toContain('<img src=x onerror="alert(1)">')
    expect(described.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; friends")
    const list = await page("/?q=plugin-0001")
    expect(list.html).toContain("&lt;script&gt;alert(&#39;boom&#39;)&lt;/script&gt;")
    const plugin = await page("/admin/plugins/1")
    expect(plugin.html).not.toContain("<script>alert(")
    expect(plugin.html).toContain("&lt;script&gt;alert(&#39;boom&#39;)&lt;/script&gt;")
    expect(plugin.html).toContain("&lt;b&gt;bold&lt;/b&gt;")
    expect(plugin.html).not.toContain("<b>bold</b>")
  })

  it("shows a huge value cut to 200 characters, marked as cut", async () => {
    expect((await fetch(`${url}/api/v2/plugins/1/routes/long`, { method: "POST" })).status).toBe(200)
    const { html } = await page("/admin/plugins/1")
    expect(html).toContain(`<td>${"y".repeat(200)}…</td>`)
    expect(html).not.toContain("y".repeat(201))
  })

  it("serves every page with a CSP that allows nothing from another host", async () => {
    for (const path of ["/", "/admin/plugins/1", "/admin/plugins/1/delete", "/admin/assets/admin.js"]) {
      const response = await fetch(`${url}${path}`)
      expect(response.headers.get("content-security-policy"), path).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      )
      expect(response.headers.get("x-content-type-options")).toBe("nosniff")
      const body = await response.text()
      // No absolute URL to load anything from: scripts, styles and images are this host's.
      expect(body).not.toMatch(/(src|href)="(https?:)?\/\/(?!example\.com)/)
    }
  })

  it("tries a GET route from the plugin page and shows the answer, but only inside that plugin's routes", async () => {
    const tried = await page("/admin/plugins/1?try=/status")
    expect(tried.html).toContain('<h3 id="answer-title">Answer to GET <code>/status</code></h3>')
    expect(tried.html).toContain('<span class="badge state-running">200</span>')
    expect(tried.html).toContain("&quot;ok&quot;: true")
    const missing = await page("/admin/plugins/1?try=/nope")
    expect(missing.html).toContain('<span class="badge state-failed">404</span>')
    for (const escape of ["/../../2/routes/n", "/%2e%2e/%2e%2e/2/routes/n", "/..\\..\\2\\routes\\n", "status"]) {
      const outside = await page(`/admin/plugins/1?try=${encodeURIComponent(escape)}`)
      expect(outside.html, escape).toMatch(/leads outside the plugin&#39;s routes|must start with \//)
      expect(outside.html, escape).not.toContain("&quot;ok&quot;")
    }
    // A path that looks like another host is still a path of this plugin.
    expect((await page(`/admin/plugins/1?try=${encodeURIComponent("//evil.example/x")}`)).html).toContain('<span class="badge state-failed">404</span>')
  })

  it("asks before deleting, with the table kept unless dropped, and leads back to the list", async () => {
    const confirm = await page("/admin/plugins/1/delete")
    expect(confirm.html).toContain("Delete plugin-0001 1.0.0?")
    expect(confirm.html).toContain('<input type="checkbox" id="drop-table" name="dropTable" value="1">')
    const deleted = await fetch(`${url}/admin/plugins/1/delete`, { method: "POST", redirect: "manual", headers: { ...FORM, origin: url }, body: "dropTable=1" })
    expect(deleted.status).toBe(303)
    expect(deleted.headers.get("location")).toBe("/?done=deleted-table&pid=1")
    expect(db.tableExists("marks")).toBe(false)
    expect((await page("/?done=deleted-table&pid=1")).html).toContain('<p class="notice" role="status">Deleted plugin 1 and its table.</p>')
    const kept = await fetch(`${url}/admin/plugins/2/delete`, { method: "POST", redirect: "manual", headers: { ...FORM, origin: url }, body: "" })
    expect(kept.headers.get("location")).toBe("/?done=deleted&pid=2")
    expect((await page("/admin/plugins/2")).status).toBe(404)
  })

  it("leads back only to this host after an action, and says so with a fixed text", async () => {
    for (const back of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const response = await fetch(`${url}/admin/plugins/5/reload`, { method: "POST", redirect: "manual", headers: { ...FORM, origin: url }, body: new URLSearchParams({ back }) })
      expect(response.status, back).toBe(303)
      expect(response.headers.get("location"), back).toBe("/?done=reloaded&pid=5")
    }
    const stay = await fetch(`${url}/admin/plugins/5/deactivate`, { method: "POST", redirect: "manual", headers: { ...FORM, origin: url }, body: new URLSearchParams({ back: "/?q=plugin-0005&page=1" }) })
    expect(stay.headers.get("location")).toBe("/?q=plugin-0005&page=1&done=deactivated&pid=5")
    // An unknown notice code shows nothing.
    expect((await page("/?done=<script>&pid=5")).html).not.toContain('class="notice"')
  })

  it("answers an unknown plugin with a page saying so, and a form over its size cap with 413", async () => {
    const missing = await page("/admin/plugins/424242")
    expect(missing.status).toBe(404)
    expect(missing.html).toContain("There is no plugin with id &quot;424242&quot;")
    const huge = await fetch(`${url}/admin/preview`, { method: "POST", headers: { ...FORM, origin: url }, body: `url=${"x".repeat(20_000)}` })
    expect(huge.status).toBe(413)
  })
})
