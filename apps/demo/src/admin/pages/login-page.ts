import { failure } from "./components.ts"
import { html } from "./html.ts"
import type { Html } from "./html.ts"

export function loginPage(next: string, error: string | undefined): Html {
  return html`<h1>Log in</h1>
<p>This host needs its admin token (<code>DOCKSTAT_ADMIN_TOKEN</code>).</p>
${error === undefined ? "" : failure("Not logged in", error)}
<form method="post" action="/admin/login" class="login-form">
<input type="hidden" name="next" value="${next}">
<div class="field">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" required autocomplete="current-password"${error === undefined ? "" : html` aria-invalid="true"`}>
</div>
<button type="submit" class="primary">Log in</button>
</form>`
}
