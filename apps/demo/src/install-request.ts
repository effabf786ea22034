/** The largest install request body read (64 KiB); a larger one is answered 413 without reading it all. */
export const MAX_INSTALL_BODY_BYTES = 64 * 1024

import { RUNTIME_KINDS, isRuntimeKind } from "@dockstat/plugin-handler"
import type { RuntimeKind } from "@dockstat/plugin-handler"


/**
 * A parsed `POST /api/v2/plugins/install` body, or why it was refused (always a 400). `activate`
 * (default true) loads the plugin once installed; `runtime` is the admin trusting it with a runtime.
 */
export type InstallRequest = { ok: true; url: string; update: boolean; activate: boolean; runtime?: RuntimeKind; expectedDigest?: string } | { ok: false; message: string }

/**
 * Reads `{ url, update? }` from the request. Only http(s) URLs are accepted here: the installer also
 * reads local paths, and a remote client must not make the server read its own files (the CLI, run by
 * someone on the host, installs files).
 */
export async function readInstallRequest(request: Request): Promise<InstallRequest> {
  let body: unknown
  try {
    body = await request.json()
  } catch {
    return { ok: false, message: 'The request body must be JSON: {"url": "https://…/manifest.json"}' }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, message: 'The request body must be a JSON object: {"url": "https://…/manifest.json"}' }
  }
  const { url, update, activate, runtime, expectedDigest } = body as Record<string, unknown>
  if (typeof url !== "string" || url.trim() === "") {
    return { ok: false, message: `Field "url" is required and must be a non-empty string, got ${describe(url)}` }
  }
  if (update !== undefined && typeof update !== "boolean") {
    return { ok: false, message: `Field "update" must be a boolean when given, got ${describe(update)}` }
  }
  if (activate !== undefined && typeof activate !== "boolean") {
    return { ok: false, message: `Field "activate" must be a boolean when given, got ${describe(activate)}` }
  }
  if (runtime !== undefined && !isRuntimeKind(runtime)) {
    return { ok: false, message: `Field "runtime" must be one of ${RUNTIME_KINDS.map((kind) => `"${kind}"`).join(", ")} when given, got ${describe(runtime)}` }
  }
  if (expectedDigest !== undefined && (typeof expectedDigest !== "string" || expectedDigest === "")) {
    return { ok: false, message: `Field "expectedDigest" must be the digest of a preview (POST /api/v2/plugins/preview) when given, got ${describe(expectedDigest)}` }
  }
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  if (parsed?.protocol !== "http:" && parsed?.protocol !== "https:") {
    return { ok: false, message: `Field "url" must be an http:// or https:// URL, got ${JSON.stringify(url)}; install local manifest files with the CLI` }
  }
  return {
    ok: true,
    url,
    update: update ?? false,
    activate: activate ?? true,
    ...(runtime === undefined ? {} : { runtime: runtime as RuntimeKind }),
    ...(expectedDigest === undefined ? {} : { expectedDigest: expectedDigest as string }),
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing"
  if (value === null) return "null"
  if (typeof value === "string") return JSON.stringify(value)
  const type = Array.isArray(value) ? "array" : typeof value
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`
}
