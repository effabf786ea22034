import { html as honoHtml } from "hono/html"

import type { HtmlEscapedString } from "hono/utils/html"

export type Html = HtmlEscapedString

/** What a template may interpolate: text (escaped), numbers, nothing (`null`, `undefined`, `false`), markup, or lists of these. */
export type HtmlValue = string | number | boolean | null | undefined | Html | readonly HtmlValue[]

/**
 * Hono's `html` template: every interpolated string is escaped (`& < > " '`), markup from another
 * template is kept. Synchronous here, since nothing interpolated is a Promise.
 *
 * @example
 * html`<td>${plugin.name}</td>`   // a name "<script>" renders as text
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  return honoHtml(strings, ...values) as Html
}
