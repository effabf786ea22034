import type { PluginTableRows, RouteDescriptor } from "@dockstat/plugin-handler"

import type { PluginView } from "../plugin-views.ts"
import { liveLog, notice, pager, permissionList, pluginActions, shortList, stateBadge } from "./components.ts"
import type { NoticeCode } from "./components.ts"
import { html } from "./html.ts"
import type { Html } from "./html.ts"

/** A GET route tried from the page: what the plugin answered. */
export interface TryAnswer {
  path: string
  status: number
  contentType: string
  body: string
  /** The body was longer than what is shown. */
  truncated: boolean
}

export interface PluginPageData {
  plugin: PluginView
  routes: RouteDescriptor[] | null
  table: PluginTableRows | null
  answer: TryAnswer | null
  done: { code: NoticeCode | undefined; pid: number | undefined }
}

/** Longest cell text in the table view (values are cut in SQL, then marked with an ellipsis). */
export const MAX_CELL = 200

export function pluginPage(data: PluginPageData): Html {
  const { plugin } = data
  const back = `/admin/plugins/${plugin.id}`
  return html`<p class="crumbs"><a href="/">All plugins</a></p>
<h1>${plugin.name} <span class="version">${plugin.version}</span></h1>
${notice(data.done.code, data.done.pid, plugin)}
${plugin.description ? html`<p>${plugin.description}</p>` : ""}
${pluginActions(plugin, back)}
<section aria-labelledby="details-title">
<h2 id="details-title">Details</h2>
<dl class="details">
<dt>Id</dt><dd>${plugin.id}</dd>
<dt>State</dt><dd>${stateBadge(plugin)} ${plugin.enabled ? "(loaded at start)" : "(not loaded at start)"}</dd>
<dt>Runtime</dt><dd>${plugin.runtime}</dd>
<dt>Permissions</dt><dd>${permissionList(plugin.permissions)}</dd>
<dt>Hooks</dt><dd>${shortList(plugin.hooks, 50)}</dd>
<dt>Table</dt><dd>${plugin.table === null ? "none" : html`<code>${plugin.table}</code>, ${plugin.rows ?? "?"} rows`}</dd>
<dt>Last error</dt><dd${plugin.lastError === null ? "" : html` class="error-cell"`}>${plugin.lastError === null ? "none" : html`${plugin.lastError.message}${plugin.lastError.at ? html` <span class="muted">(<time datetime="${plugin.lastError.at}">${plugin.lastError.at}</time>)</span>` : ""}`}</dd>
<dt>Restarts</dt><dd>${plugin.restarts ?? "–"}</dd>
<dt>Hook failures</dt><dd>${plugin.hookFailures}</dd>
<dt>Manifest</dt><dd><code>${plugin.manifest}</code></dd>
</dl>
</section>
<section aria-labelledby="update-title">
<h2 id="update-title">Update from its link</h2>
<form method="post" action="/admin/preview" class="install-form">
<div class="field grow">
<label for="update-url">Manifest link</label>
<input id="update-url" name="url" type="url" required value="${/^https?:\/\//i.test(plugin.manifest) ? plugin.manifest : ""}">
</div>
<button type="submit">Check for an update</button>
</form>
</section>
${routesSection(plugin, data.routes, data.answer)}
${tableSection(plugin, data.table)}
${liveLog(plugin.id)}`
}

function routesSection(plugin: PluginView, routes: RouteDescriptor[] | null, answer: TryAnswer | null): Html {
  if (routes === null) return html`<section aria-labelledby="routes-title"><h2 id="routes-title">Routes</h2><p>The plugin is not loaded; activate it to see and try its routes.</p></section>`
  return html`<section aria-labelledby="routes-title">
<h2 id="routes-title">Routes</h2>
${routes.length === 0 ? html`<p>This plugin has no routes.</p>` : html`<div class="table-scroll" role="region" aria-labelledby="routes-title" tabindex="0"><table>
<thead><tr><th scope="col">Methods</th><th scope="col">Path</th><th scope="col">Actions</th><th scope="col">Try it</th></tr></thead>
<tbody>${routes.map((route, index) => routeRow(plugin, route, index))}</tbody>
</table></div>`}
<p class="muted">Served at <code>/api/v2/plugins/${plugin.id}/routes</code> followed by the path.</p>
${answer === null ? "" : answerSection(answer)}
</section>`
}

function routeRow(plugin: PluginView, route: RouteDescriptor, index: number): Html {
  const tryable = route.methods.includes("GET")
  return html`<tr>
<td>${route.methods.join(", ")}</td>
<td><code>${route.path}</code></td>
<td>${route.actions.join(" → ")}</td>
<td>${tryable
    ? html`<form method="get" action="/admin/plugins/${plugin.id}#try-answer" class="try-form">
<label class="visually-hidden" for="try-${index}">Path to GET for ${route.path}</label>
<input id="try-${index}" name="try" value="${route.path}" required pattern="/.*">
<button type="submit">Try<span class="visually-hidden"> GET ${route.path}</span></button>
</form>`
    : html`<span class="muted">not a GET route</span>`}</td>
</tr>`
}

function answerSection(answer: TryAnswer): Html {
  return html`<section id="try-answer" class="answer" aria-labelledby="answer-title" tabindex="-1">
<h3 id="answer-title">Answer to GET <code>${answer.path}</code></h3>
<p><span class="badge ${answer.status < 400 ? "state-running" : "state-failed"}">${answer.status}</span> <span class="muted">${answer.contentType || "no content type"}</span></p>
<pre tabindex="0" aria-label="Answer body">${answer.body === "" ? "(empty body)" : answer.body}</pre>
${answer.truncated ? html`<p class="muted">The answer was cut; fetch the route itself for all of it.</p>` : ""}
</section>`
}

function tableSection(plugin: PluginView, table: PluginTableRows | null): Html {
  if (table === null || table.table === null) return html`<section aria-labelledby="table-title"><h2 id="table-title">Table</h2><p>This plugin has no table.</p></section>`
  const first = (table.page - 1) * table.pageSize + 1
  return html`<section aria-labelledby="table-title">
<h2 id="table-title">Table <code>${table.table}</code> <span class="count">(${table.total} row${table.total === 1 ? "" : "s"})</span></h2>
${table.rows.length === 0
    ? html`<p>${table.total === 0 ? "The table is empty." : "No rows on this page."}</p>`
    : html`<p class="muted">Rows ${first} to ${first + table.rows.length - 1}, read-only, as stored.</p>
<div class="table-scroll" role="region" aria-labelledby="table-title" tabindex="0"><table class="rows">
<thead><tr>${table.columns.map((column) => html`<th scope="col">${column.name} <span class="muted">${column.type}</span></th>`)}</tr></thead>
<tbody>${table.rows.map((row) => html`<tr>${table.columns.map((column) => html`<td>${cell(row[column.name])}</td>`)}</tr>`)}</tbody>
</table></div>`}
${pager("Table pages", table.page, table.pages, (page) => `/admin/plugins/${plugin.id}?tpage=${page}#table-title`)}
</section>`
}

function cell(value: unknown): Html {
  if (value === null || value === undefined) return html`<span class="muted">null</span>`
  if (value instanceof Uint8Array) return html`<span class="muted">${value.byteLength > MAX_CELL ? `more than ${MAX_CELL}` : value.byteLength} bytes</span>`
  const text = typeof value === "string" ? value : typeof value === "bigint" ? value.toString() : JSON.stringify(value)
  return html`${text.length > MAX_CELL ? `${text.slice(0, MAX_CELL)}…` : text}`
}
