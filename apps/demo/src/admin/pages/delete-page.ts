import type { PluginView } from "../plugin-views.ts"
import { html } from "./html.ts"
import type { Html } from "./html.ts"

/** Delete asks first, and whether the table goes too (kept by default: reinstalling adopts it). */
export function deletePage(plugin: PluginView): Html {
  return html`<p class="crumbs"><a href="/">All plugins</a></p>
<h1>Delete ${plugin.name} ${plugin.version}?</h1>
<p>The plugin is unloaded and removed. ${plugin.table === null ? "It has no table." : html`Its table <code>${plugin.table}</code> holds ${plugin.rows ?? "?"} row${plugin.rows === 1 ? "" : "s"}; it is kept unless you drop it (installing the plugin again adopts a kept table).`}</p>
<form method="post" action="/admin/plugins/${plugin.id}/delete" class="confirm">
${plugin.table === null ? "" : html`<div class="check"><input type="checkbox" id="drop-table" name="dropTable" value="1"><label for="drop-table">Also drop its table <code>${plugin.table}</code> and its rows (cannot be undone)</label></div>`}
<button type="submit" class="danger">Delete ${plugin.name}</button>
<a href="/admin/plugins/${plugin.id}">Cancel</a>
</form>`
}
