/**
 * `value` when it is a path on this host (`/admin/plugins/3?tpage=2`), else `/`: a redirect after a form
 * (`next`, `back`) must never lead to another site (`//evil.example`, `/\evil.example`, `https://...`).
 */
export function localPath(value: unknown): string {
  if (typeof value !== "string" || value.length > 2000) return "/"
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/"
  // Control characters (a header split, a tab browsers drop) have no place in our own paths.
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/"
  const parsed = new URL(value, "http://local.invalid")
  if (parsed.origin !== "http://local.invalid") return "/"
  // Checked again after normalising: `/.//evil.example` and `/a/..//evil.example` become `//evil.example`,
  // which a browser reads as another site.
  const path = parsed.pathname + parsed.search
  return path.startsWith("//") || path.includes("\\") ? "/" : path
}

/** `path` with `params` added to (or replacing those in) its query string. */
export function withQuery(path: string, params: Record<string, string>): string {
  const url = new URL(localPath(path), "http://local.invalid")
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  return url.pathname + url.search
}
