import { failure } from "./components.ts"
import { html } from "./html.ts"
import type { Html } from "./html.ts"

/** A failed action: the host's message and the way back. */
export function messagePage(title: string, message: string, back: string): Html {
  return html`<p class="crumbs"><a href="/">All plugins</a></p>
<h1>${title}</h1>
${failure("What the host said", message)}
<p><a href="${back}">Back</a></p>`
}
