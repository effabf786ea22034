/**
 * Every answer of a plugin route is served on the host's origin, next to the admin's pages and API. So
 * it carries a `sandbox` Content-Security-Policy (a browser gives the page an origin of its own and runs
 * no script or form in it) and `nosniff`, and the headers that act on the whole origin are dropped
 * (`Set-Cookie`, `Clear-Site-Data`, `Strict-Transport-Security`, `NEL`, ...: ORIGIN_WIDE_HEADERS): a
 * plugin that answers HTML cannot act as the admin in the admin's browser, nor set, overwrite or clear
 * the host's cookies and storage, nor change how the browser treats the host's origin.
 */
export const ROUTE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": "sandbox",
  "x-content-type-options": "nosniff",
})

/**
 * Headers of a plugin's answer that would act on the host's whole origin, beyond that one answer:
 * cookies and site data, HTTPS pinning, where the browser reports the origin's requests to (NEL,
 * Reporting), alternative services, agent clustering, client hints, service worker scope, login status.
 */
const ORIGIN_WIDE_HEADERS = [
  "set-cookie",
  "set-cookie2",
  "clear-site-data",
  "strict-transport-security",
  "nel",
  "report-to",
  "reporting-endpoints",
  "alt-svc",
  "origin-agent-cluster",
  "accept-ch",
  "critical-ch",
  "service-worker-allowed",
  "set-login",
] as const

/** `headers` (mutable) with the origin-wide headers dropped and the security headers set. */
export function secureHeaders(headers: Headers): Headers {
  for (const name of ORIGIN_WIDE_HEADERS) headers.delete(name)
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
