import { bodyLimit } from "hono/body-limit"
import { deleteCookie, setCookie } from "hono/cookie"
import { isPluginError, isRuntimeKind } from "@dockstat/plugin-handler"

import type { Context, Hono } from "hono"
import type PluginHandler from "@dockstat/plugin-handler"
import type { PluginTableRows, RuntimeKind } from "@dockstat/plugin-handler"
import type { ContentfulStatusCode } from "hono/utils/http-status"

import { installStatus } from "../install-status.ts"
import { pluginIdOf } from "../plugin-id.ts"
import { LOGIN_PATH, SESSION_COOKIE } from "./access.ts"
import { localPath, withQuery } from "./local-path.ts"
import { isNoticeCode } from "./pages/components.ts"
import type { NoticeCode } from "./pages/components.ts"
import { deletePage } from "./pages/delete-page.ts"
import type { Html } from "./pages/html.ts"
import { layout } from "./pages/layout.ts"
import { listPage } from "./pages/list-page.ts"
import { loginPage } from "./pages/login-page.ts"
import { messagePage } from "./pages/message-page.ts"
import { MAX_CELL, pluginPage } from "./pages/plugin-page.ts"
import type { TryAnswer } from "./pages/plugin-page.ts"
import { previewFailedPage, previewPage } from "./pages/preview-page.ts"
import type { PluginErrors } from "./plugin-errors.ts"
import { STATE_FILTERS, listPlugins, pluginView } from "./plugin-views.ts"
import type { StateFilter } from "./plugin-views.ts"
import { SESSION_HOURS, createSession, tokenMatches } from "./session.ts"
import { createTryRoute } from "./try-route.ts"

/** A form of the page carries a URL and a few flags: a few KiB at most. */
const MAX_FORM_BYTES = 16 * 1024

/** What the pages and their forms need. */
export interface PageDeps {
  handler: PluginHandler
  errors: PluginErrors
  token: string | undefined
}

/**
 * The admin page: server-rendered HTML and plain forms (every action works without JavaScript; the
 * script only feeds the live log). Each form posts to this host and leads back with a fixed notice.
 */
export function mountPages(app: Hono, deps: PageDeps): void {
  const { handler, errors, token } = deps
  const tryRoute = createTryRoute(handler)
  const loggedIn = token !== undefined
  const render = (c: Context, title: string, body: Html, status: ContentfulStatusCode = 200) => c.html(layout({ title, loggedIn, current: "plugins" }, body), status, { "cache-control": "no-store" })
  const formLimit = bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => render(c, "Form too large", messagePage("Form too large", `A form of this page is at most ${MAX_FORM_BYTES / 1024} KiB`, "/"), 413) })
  const form = async (c: Context): Promise<Record<string, string>> => {
    const body = await c.req.parseBody()
    return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === "string"))
  }

  const notFound = (c: Context, raw: string | undefined) => render(c, "Not found", messagePage("No such plugin", `There is no plugin with id ${JSON.stringify(raw ?? "")}; it may have been deleted.`, "/"), 404)
  const done = (c: Context) => {
    const code = c.req.query("done")
    return { code: isNoticeCode(code) ? code : undefined, pid: pluginIdOf(c.req.query("pid")) }
  }

  app.get("/", (c) => {
    const state = c.req.query("state")
    const query = {
      q: (c.req.query("q") ?? "").slice(0, 200),
      state: (STATE_FILTERS as readonly string[]).includes(state ?? "") ? (state as StateFilter) : "all",
      page: pluginIdOf(c.req.query("page")) ?? 1,
    }
    const list = listPlugins(handler, errors, query)
    const notice = done(c)
    const plugin = notice.pid === undefined ? undefined : pluginView(handler, errors, notice.pid)
    return render(c, "Plugins", listPage(list, query, { ...notice, plugin }))
  })

  app.post("/admin/preview", formLimit, async (c) => {
    const fields = await form(c)
    const url = (fields.url ?? "").trim()
    const runtime = isRuntimeKind(fields.runtime) ? fields.runtime : undefined
    const refused = checkLink(url)
    if (refused !== undefined) return render(c, "Cannot install", previewFailedPage(refused, url, runtime ?? ""), 400)
    const preview = await handler.previewManifestLink(url, runtime === undefined ? {} : { runtime })
    if (!preview.success) return render(c, "Cannot install", previewFailedPage(preview.message, url, runtime ?? ""), installStatus(preview))
    return render(c, preview.change ? `Update ${preview.plugin.name}?` : `Install ${preview.plugin.name}?`, previewPage(preview, url, runtime ?? ""))
  })

  app.post("/admin/install", formLimit, async (c) => {
    const fields = await form(c)
    const url = (fields.url ?? "").trim()
    const runtime = isRuntimeKind(fields.runtime) ? fields.runtime : undefined
    const refused = checkLink(url)
    if (refused !== undefined || !fields.digest) return render(c, "Cannot install", previewFailedPage(refused ?? "Preview the link first", url, runtime ?? ""), 400)
    const update = fields.update === "1"
    const result = await handler.installFromManifestLink(url, { update, expectedDigest: fields.digest, ...(runtime === undefined ? {} : { runtime }) })
    if (!result.success) return render(c, "Cannot install", previewFailedPage(result.message, url, runtime ?? ""), installStatus(result))
    if (!update) {
      try {
        await handler.activatePlugin(result.id)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        return render(c, "Installed, not running", messagePage("Installed, but it did not start", message, `/admin/plugins/${result.id}`), 500)
      }
    }
    return c.redirect(withQuery(`/admin/plugins/${result.id}`, { done: update ? "updated" : "installed", pid: String(result.id) }), 303)
  })

  app.get("/admin/plugins/:id", async (c) => {
    const id = pluginIdOf(c.req.param("id"))
    const plugin = id === undefined ? undefined : pluginView(handler, errors, id)
    if (id === undefined || plugin === undefined) return notFound(c, c.req.param("id"))
    let table: PluginTableRows | null = null
    try {
      table = handler.getTableRows(id, { page: pluginIdOf(c.req.query("tpage")) ?? 1, maxValueLength: MAX_CELL })
    } catch (error) {
      if (!(error instanceof RangeError) && !isPluginError(error)) throw error
    }
    const tried = c.req.query("try")
    let answer: TryAnswer | null = null
    if (tried !== undefined) {
      const outcome = await tryRoute(id, tried)
      answer = "error" in outcome ? { path: tried, status: 400, contentType: "", body: outcome.error, truncated: false } : outcome
    }
    return render(c, plugin.name, pluginPage({ plugin, routes: handler.getPluginRoutes(id), table, answer, done: done(c) }))
  })

  const act = (verb: "activate" | "deactivate" | "reload", run: (id: number) => Promise<{ success: boolean; message: string }>, code: NoticeCode) =>
    app.post(`/admin/plugins/:id/${verb}`, formLimit, async (c) => {
      const id = pluginIdOf(c.req.param("id"))
      if (id === undefined || pluginView(handler, errors, id) === undefined) return notFound(c, c.req.param("id"))
      const back = localPath((await form(c)).back ?? `/admin/plugins/${id}`)
      const result = await run(id).catch((error: unknown) => ({ success: false, message: error instanceof Error ? error.message : String(error), status: isPluginError(error) ? error.status : 500 }))
      if (!result.success) {
        const status = ("status" in result && typeof result.status === "number" ? result.status : 500) as ContentfulStatusCode
        return render(c, `Could not ${verb}`, messagePage(`Could not ${verb} the plugin`, result.message, back), status)
      }
      return c.redirect(withQuery(back, { done: code, pid: String(id) }), 303)
    })
  act("activate", async (id) => (await handler.activatePlugin(id), { success: true, message: "" }), "activated")
  act("deactivate", async (id) => handler.deactivatePlugin(id), "deactivated")
  act("reload", async (id) => (await handler.reloadPlugin(id), { success: true, message: "" }), "reloaded")

  app.get("/admin/plugins/:id/delete", (c) => {
    const id = pluginIdOf(c.req.param("id"))
    const plugin = id === undefined ? undefined : pluginView(handler, errors, id)
    if (plugin === undefined) return notFound(c, c.req.param("id"))
    return render(c, `Delete ${plugin.name}?`, deletePage(plugin))
  })

  app.post("/admin/plugins/:id/delete", formLimit, async (c) => {
    const id = pluginIdOf(c.req.param("id"))
    if (id === undefined || pluginView(handler, errors, id) === undefined) return notFound(c, c.req.param("id"))
    const dropTable = (await form(c)).dropTable === "1"
    const result = handler.deletePlugin(id, { dropTable })
    if (!result.success) return render(c, "Could not delete", messagePage("Could not delete the plugin", result.message, `/admin/plugins/${id}`), result.kind === "busy" ? 503 : 500)
    return c.redirect(withQuery("/", { done: dropTable ? "deleted-table" : "deleted", pid: String(id) }), 303)
  })

  app.get(LOGIN_PATH, (c) => {
    if (token === undefined) return c.redirect("/", 303)
    return render(c, "Log in", loginPage(localPath(c.req.query("next") ?? "/"), undefined))
  })

  app.post(LOGIN_PATH, formLimit, async (c) => {
    if (token === undefined) return c.redirect("/", 303)
    const fields = await form(c)
    const next = localPath(fields.next ?? "/")
    if (!tokenMatches(fields.token ?? "", token)) return render(c, "Log in", loginPage(next, "That is not the admin token."), 401)
    setCookie(c, SESSION_COOKIE, createSession(token), { httpOnly: true, sameSite: "Strict", path: "/", maxAge: SESSION_HOURS * 3600, secure: new URL(c.req.url).protocol === "https:" })
    return c.redirect(next, 303)
  })

  app.post("/admin/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" })
    return c.redirect(token === undefined ? "/" : LOGIN_PATH, 303)
  })
}

/** Only http(s) links: the installer also reads local paths, which a browser must not make the server read. */
function checkLink(url: string): string | undefined {
  if (url === "") return "Give the link to a plugin manifest (JSON or YAML)"
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  if (parsed?.protocol !== "http:" && parsed?.protocol !== "https:") return `The link must be an http:// or https:// URL, got ${JSON.stringify(url)}; install local manifest files with the CLI`
  return undefined
}
