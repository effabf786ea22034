/**
 * Every answer of a plugin route is served on the host's origin, next to the admin's pages and API. So
 * it carries a `sandbox` Content-Security-Policy (a browser gives the page an origin of its own and runs
 * no script or form in it) and `nosniff`, and a `Set-Cookie` the plugin set is dropped: a plugin that
 * answers HTML cannot act as the admin in the admin's browser, nor set or overwrite the host's cookies.
 */
export const ROUTE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": "sandbox",
  "x-content-type-options": "nosniff",
})

/** `headers` (mutable) with the plugin's cookies dropped and the security headers set. */
export function secureHeaders(headers: Headers): Headers {
  headers.delete("set-cookie")
  for (const name of Object.keys(ROUTE_SECURITY_HEADERS)) headers.set(name, ROUTE_SECURITY_HEADERS[name] as string)
  return headers
}

/** A Response a plugin returned, made safe to serve: in place, or copied when its headers are immutable (a fetch()'s). */
export function secureResponse(response: Response): Response {
  try {
    secureHeaders(response.headers)
    return response
  } catch {
    const headers = secureHeaders(new Headers(response.headers))
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
  }
}
