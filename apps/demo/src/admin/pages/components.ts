import type { PluginPermissions } from "@dockstat/plugin-handler"

import type { PluginView } from "../plugin-views.ts"
import { html } from "./html.ts"
import type { Html } from "./html.ts"

/** What a finished form action says on the page it leads back to (`?done=<code>&pid=<id>`): fixed texts, never text from the URL. */
export const NOTICES = {
  installed: "Installed",
  updated: "Updated",
  activated: "Activated",
  deactivated: "Deactivated",
  reloaded: "Reloaded",
  deleted: "Deleted plugin",
  "deleted-table": "Deleted plugin",
} as const
export type NoticeCode = keyof typeof NOTICES

export function isNoticeCode(value: unknown): value is NoticeCode {
  return typeof value === "string" && Object.hasOwn(NOTICES, value)
}

/** The confirmation after a form action, announced politely. */
export function notice(code: NoticeCode | undefined, pid: number | undefined, plugin: PluginView | undefined): Html {
  if (code === undefined) return html``
  const who = plugin ? `${plugin.name} ${plugin.version}` : pid !== undefined ? String(pid) : ""
  const tail = code === "deleted" ? " (its table is kept)" : code === "deleted-table" ? " and its table" : ""
  return html`<p class="notice" role="status">${NOTICES[code]} ${who}${tail}.</p>`
}

/** The host's message after a failed action or install, announced at once. */
export function failure(title: string, message: string): Html {
  return html`<div class="failure" role="alert"><h2>${title}</h2><p class="host-message">${message}</p></div>`
}

export function permissionList(permissions: PluginPermissions, empty = "none"): Html {
  if (permissions.network.length === 0 && permissions.env.length === 0) return html`<span class="muted">${empty}</span>`
  return html`<ul class="plain">${permissions.network.map((host) => html`<li>network <code>${host}</code></li>`)}${permissions.env.map((name) => html`<li>env <code>${name}</code></li>`)}</ul>`
}

/** Up to `max` entries as code, then how many more. */
export function shortList(items: readonly string[] | null, max = 3): Html {
  if (items === null) return html`<span class="muted">not loaded</span>`
  if (items.length === 0) return html`<span class="muted">none</span>`
  const more = items.length - max
  return html`<ul class="plain">${items.slice(0, max).map((item) => html`<li><code>${item}</code></li>`)}${more > 0 ? html`<li class="muted">+${more} more</li>` : ""}</ul>`
}

export function stateBadge(plugin: PluginView): Html {
  return html`<span class="badge state-${plugin.state.replace(" ", "-")}">${plugin.state}</span>`
}

/**
 * The buttons of one plugin: each a form posting to this host (the access rules check its origin),
 * named with the plugin so a screen reader's list of buttons says which plugin each acts on.
 */
export function pluginActions(plugin: PluginView, back: string): Html {
  const action = (verb: "activate" | "deactivate" | "reload", label: string) =>
    html`<form method="post" action="/admin/plugins/${plugin.id}/${verb}" class="inline"><input type="hidden" name="back" value="${back}"><button type="submit">${label}<span class="visually-hidden"> ${plugin.name}</span></button></form>`
  return html`<div class="actions">
${plugin.loaded && plugin.enabled ? action("deactivate", "Deactivate") : action("activate", "Activate")}
${plugin.loaded ? action("reload", "Reload") : ""}
<a class="button danger" href="/admin/plugins/${plugin.id}/delete">Delete<span class="visually-hidden"> ${plugin.name}</span></a>
</div>`
}

/** Pages of a list: previous, "page x of y", next; links keep the other query parameters. */
export function pager(label: string, page: number, pages: number, href: (page: number) => string): Html {
  if (pages <= 1) return html``
  return html`<nav class="pager" aria-label="${label}">
${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">Previous<span class="visually-hidden"> page</span></a>` : html`<span class="muted" aria-hidden="true">Previous</span>`}
<span>Page ${page} of ${pages}</span>
${page < pages ? html`<a href="${href(page + 1)}" rel="next">Next<span class="visually-hidden"> page</span></a>` : html`<span class="muted" aria-hidden="true">Next</span>`}
</nav>`
}

/** The live log, filled by admin.js from `GET /api/v2/events`; on a plugin page only that plugin's activity. */
export function liveLog(pluginId?: number): Html {
  return html`<section class="live-log" aria-labelledby="log-title" data-live-log${pluginId === undefined ? "" : html` data-plugin-id="${pluginId}"`}>
<h2 id="log-title">Live log</h2>
<p class="muted" data-log-status>Connecting…</p>
<noscript><p>The live log needs JavaScript. Everything else on this page works without it.</p></noscript>
<div class="log" role="log" aria-label="${pluginId === undefined ? "Plugin activity, newest first" : "This plugin's activity, newest first"}" tabindex="0"><ol data-log-list></ol></div>
</section>`
}

/** The install form (a link to a JSON or YAML manifest), which leads to the preview. */
export function installForm(value = "", runtime = ""): Html {
  const option = (kind: string, label: string) => html`<option value="${kind}"${runtime === kind ? " selected" : ""}>${label}</option>`
  return html`<form method="post" action="/admin/preview" class="install-form">
<div class="field grow">
<label for="install-url">Manifest link (JSON or YAML)</label>
<input id="install-url" name="url" type="url" required placeholder="https://example.com/plugin/manifest.yaml" value="${value}" autocomplete="url">
</div>
<div class="field">
<label for="install-runtime">Runtime</label>
<select id="install-runtime" name="runtime">
${option("", "Default (sandbox)")}
${option("worker", "Worker (trusted)")}
${option("inline", "Inline (trusted)")}
</select>
</div>
<button type="submit">Preview</button>
</form>`
}
