import { html } from "./html.ts"
import type { Html } from "./html.ts"

export interface LayoutOptions {
  title: string
  /** Shows the log-out button (a token is set). */
  loggedIn: boolean
  /** `aria-current` on the matching navigation link. */
  current?: "plugins" | undefined
}

/**
 * Every page's frame: one stylesheet and one module script, both served by the demo (the CSP allows
 * nothing else), a skip link, the navigation and the main landmark.
 */
export function layout(options: LayoutOptions, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · DockStat plugins</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/assets/admin.css">
<script type="module" src="/admin/assets/admin.js"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<nav aria-label="Main">
<a class="brand" href="/"${options.current === "plugins" ? html` aria-current="page"` : ""}>DockStat plugins</a>
${options.loggedIn ? html`<form method="post" action="/admin/logout" class="inline"><button type="submit" class="link-button">Log out</button></form>` : ""}
</nav>
</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>`
}
