import type { PreviewSuccess } from "@dockstat/plugin-handler"

import { failure, installForm, permissionList, shortList } from "./components.ts"
import { html } from "./html.ts"
import type { Html } from "./html.ts"

const TABLE_ACTIONS = { created: "creates it", migrated: "migrates it (rows kept)", unchanged: "leaves it as it is" } as const

/** What installing does to the table; a migration the manifest allows to lose data says what it loses. */
function tableAction(table: { action: keyof typeof TABLE_ACTIONS; dataLoss: readonly string[] }): string {
  if (table.dataLoss.length === 0) return TABLE_ACTIONS[table.action]
  return `migrates it and LOSES DATA, as the manifest allows (allowDataLoss): ${table.dataLoss.join("; ")}`
}

/** What a link would install, with the confirm button; the confirmation carries the preview's digest. */
export function previewPage(preview: PreviewSuccess, url: string, runtime: string): Html {
  const { plugin, change } = preview
  const added = change?.addedPermissions
  const asksMore = added !== undefined && (added.network.length > 0 || added.env.length > 0)
  const verb = change ? "Update" : "Install"
  return html`<p class="crumbs"><a href="/">All plugins</a></p>
<h1>${change ? html`Update ${plugin.name} from ${change.from} to ${change.to}?` : html`Install ${plugin.name} ${plugin.version}?`}</h1>
<p class="muted">Nothing is installed yet. The manifest and code were fetched and checked${change ? "" : ""}; this is what they contain.</p>
${change && change.from === change.to ? html`<p class="notice" role="status">The link has the version that is installed (${change.to}); updating replaces its code.</p>` : ""}
<section aria-labelledby="asks-title" class="${asksMore ? "asks asks-more" : "asks"}">
<h2 id="asks-title">Permissions it asks for</h2>
${permissionList(preview.permissions, "None: it cannot reach the network nor read environment variables (in the sandbox).")}
${change ? html`<h3>New in this version</h3>${permissionList(change.addedPermissions, "None: the update asks for nothing the installed version did not have.")}` : ""}
${preview.runtime === "sandbox" ? "" : html`<p class="warning"><strong>Trusted runtime (${preview.runtime}):</strong> the plugin runs with the host's rights; its permissions are not enforced.</p>`}
</section>
<section aria-labelledby="plugin-title">
<h2 id="plugin-title">The plugin</h2>
<dl class="details">
<dt>Name</dt><dd>${plugin.name}</dd>
<dt>Version</dt><dd>${plugin.version}</dd>
${plugin.description ? html`<dt>Description</dt><dd>${plugin.description}</dd>` : ""}
<dt>Author</dt><dd>${authorOf(plugin.author)}</dd>
<dt>From</dt><dd><code>${preview.source}</code></dd>
<dt>Code digest</dt><dd><code>${preview.integrity}</code></dd>
<dt>Runtime</dt><dd>${preview.runtime}</dd>
<dt>Routes</dt><dd>${shortList(preview.routes, 50)}</dd>
<dt>Hooks</dt><dd>${shortList(preview.hooks, 50)}</dd>
<dt>Table</dt><dd>${preview.table ? html`<code>${preview.table.name}</code>: installing ${tableAction(preview.table)}` : "none"}</dd>
</dl>
</section>
<form method="post" action="/admin/install" class="confirm">
<input type="hidden" name="url" value="${url}">
<input type="hidden" name="runtime" value="${runtime}">
<input type="hidden" name="digest" value="${preview.digest}">
<input type="hidden" name="update" value="${change ? "1" : "0"}">
<button type="submit" class="primary">${verb} ${plugin.name} ${plugin.version}</button>
<a href="/">Cancel</a>
</form>`
}

/** The preview (or install) failed: the host's message, and the form to try another link. */
export function previewFailedPage(message: string, url: string, runtime: string): Html {
  return html`<p class="crumbs"><a href="/">All plugins</a></p>
<h1>Cannot install from this link</h1>
${failure("The host refused the link", message)}
<section aria-labelledby="again-title">
<h2 id="again-title">Try another link</h2>
${installForm(url, runtime)}
</section>`
}

function authorOf(author: Record<string, unknown>): string {
  const name = typeof author.name === "string" ? author.name : ""
  const email = typeof author.email === "string" ? author.email : ""
  return [name, email ? `<${email}>` : ""].filter(Boolean).join(" ") || "unknown"
}
