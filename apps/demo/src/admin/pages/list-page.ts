import type { ListQuery, PluginList, PluginView } from "../plugin-views.ts"
import { STATE_FILTERS } from "../plugin-views.ts"
import { installForm, liveLog, notice, pager, permissionList, pluginActions, shortList, stateBadge } from "./components.ts"
import type { NoticeCode } from "./components.ts"
import { html } from "./html.ts"
import type { Html } from "./html.ts"

const FILTER_LABELS = { all: "All", running: "Running", problems: "With problems", disabled: "Disabled" } as const

/** `/?q=..&state=..&page=..`, leaving out defaults. */
export function listHref(query: ListQuery, page = query.page): string {
  const params = new URLSearchParams()
  if (query.q !== "") params.set("q", query.q)
  if (query.state !== "all") params.set("state", query.state)
  if (page > 1) params.set("page", String(page))
  const search = params.toString()
  return search === "" ? "/" : `/?${search}`
}

/** The front page: install by link, the installed plugins (filtered, 50 a page) with their actions, the live log. */
export function listPage(list: PluginList, query: ListQuery, done: { code: NoticeCode | undefined; pid: number | undefined; plugin: PluginView | undefined }): Html {
  const back = listHref(query, list.page)
  const filtered = query.q !== "" || query.state !== "all"
  return html`<h1>Plugins</h1>
${notice(done.code, done.pid, done.plugin)}
<section aria-labelledby="install-title">
<h2 id="install-title">Install from a link</h2>
<p class="muted">The manifest is fetched and checked first; you see what the plugin asks for before anything is installed.</p>
${installForm()}
</section>
<section aria-labelledby="installed-title">
<h2 id="installed-title">Installed plugins <span class="count">(${filtered ? `${list.matching} of ${list.installed}` : list.installed})</span></h2>
<form method="get" action="/" class="filter-form" role="search" aria-label="Filter plugins">
<div class="field grow">
<label for="filter-q">Name or description contains</label>
<input id="filter-q" name="q" type="search" value="${query.q}">
</div>
<div class="field">
<label for="filter-state">State</label>
<select id="filter-state" name="state">
${STATE_FILTERS.map((state) => html`<option value="${state}"${query.state === state ? " selected" : ""}>${FILTER_LABELS[state]}</option>`)}
</select>
</div>
<button type="submit">Filter</button>
${filtered ? html`<a href="/">Clear filter</a>` : ""}
</form>
${list.plugins.length === 0 ? html`<p>${filtered ? "No plugin matches this filter." : "No plugin is installed yet."}</p>` : pluginTable(list, back)}
${pager("Plugin pages", list.page, list.pages, (page) => listHref(query, page))}
</section>
${liveLog()}`
}

function pluginTable(list: PluginList, back: string): Html {
  return html`<div class="table-scroll" role="region" aria-labelledby="installed-title" tabindex="0">
<table class="plugins">
<caption class="visually-hidden">Installed plugins, page ${list.page} of ${list.pages}</caption>
<thead><tr>
<th scope="col">Plugin</th><th scope="col">State</th><th scope="col">Runtime</th><th scope="col">Permissions</th><th scope="col">Routes</th><th scope="col">Hooks</th><th scope="col">Table</th><th scope="col">Last error</th><th scope="col">Restarts</th><th scope="col">Actions</th>
</tr></thead>
<tbody>
${list.plugins.map((plugin) => row(plugin, back))}
</tbody>
</table>
</div>`
}

function row(plugin: PluginView, back: string): Html {
  return html`<tr>
<th scope="row"><a href="/admin/plugins/${plugin.id}">${plugin.name}</a> <span class="version">${plugin.version}</span><br><span class="muted">id ${plugin.id}</span></th>
<td>${stateBadge(plugin)}</td>
<td>${plugin.runtime}</td>
<td>${permissionList(plugin.permissions)}</td>
<td>${shortList(plugin.routes)}</td>
<td>${shortList(plugin.hooks)}</td>
<td>${plugin.table === null ? html`<span class="muted">none</span>` : html`<code>${plugin.table}</code><br>${plugin.rows ?? "?"} row${plugin.rows === 1 ? "" : "s"}`}</td>
<td${plugin.lastError === null ? "" : html` class="error-cell"`}>${plugin.lastError === null ? html`<span class="muted">none</span>` : plugin.lastError.message}${plugin.hookFailures > 0 ? html`<br><span class="muted">${plugin.hookFailures} hook failure${plugin.hookFailures === 1 ? "" : "s"}</span>` : ""}</td>
<td>${plugin.restarts ?? html`<span class="muted">–</span>`}</td>
<td>${pluginActions(plugin, back)}</td>
</tr>`
}
