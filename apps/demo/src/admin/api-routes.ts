import { bodyLimit } from "hono/body-limit"
import { MAX_TABLE_PAGE_SIZE } from "@dockstat/plugin-handler"

import type { Hono } from "hono"
import type PluginHandler from "@dockstat/plugin-handler"

import { MAX_INSTALL_BODY_BYTES, readInstallRequest } from "../install-request.ts"
import { installStatus, retryHeaders } from "../install-status.ts"
import { parsePluginId } from "../plugin-id.ts"
import type { ActivityHub } from "./activity-hub.ts"

/**
 * The JSON API the page is built on, for scripts too:
 * - `POST /api/v2/plugins/preview` `{ url, runtime? }`: what installing the link would do; nothing stored.
 * - `GET /api/v2/events`: the live activity feed (Server-Sent Events).
 * - `GET /api/v2/plugins/:id/table?page=1&pageSize=50`: a page of a plugin's table, read-only.
 */
export function mountApi(app: Hono, handler: PluginHandler, hub: ActivityHub): void {
  const limit = bodyLimit({
    maxSize: MAX_INSTALL_BODY_BYTES,
    onError: (c) => c.json({ success: false, message: `The preview request body is over the ${MAX_INSTALL_BODY_BYTES / 1024} KiB limit: send {"url": "https://…/manifest.json"}`, kind: "validation" }, 413, { connection: "close" }),
  })

  app.post("/api/v2/plugins/preview", limit, async (c) => {
    const request = await readInstallRequest(c.req.raw)
    if (!request.ok) return c.json({ success: false, message: request.message, kind: "validation" }, 400)
    const preview = await handler.previewManifestLink(request.url, request.runtime === undefined ? {} : { runtime: request.runtime })
    return preview.success ? c.json(preview) : c.json(preview, installStatus(preview), retryHeaders(preview))
  })

  app.get("/api/v2/events", (c) => hub.respond(c.req.raw))

  app.get("/api/v2/plugins/:id/table", (c) => {
    const id = parsePluginId(c.req.param("id"))
    const page = wholeNumber(c.req.query("page"), 1)
    const pageSize = wholeNumber(c.req.query("pageSize"), 50)
    if (page === undefined || page < 1) return c.json({ error: "BAD_REQUEST", message: `page must be a whole number from 1, got ${JSON.stringify(c.req.query("page"))}` }, 400)
    if (pageSize === undefined || pageSize > MAX_TABLE_PAGE_SIZE) {
      return c.json({ error: "BAD_REQUEST", message: `pageSize must be a whole number from 0 to ${MAX_TABLE_PAGE_SIZE}, got ${JSON.stringify(c.req.query("pageSize"))}` }, 400)
    }
    // Throws a PluginError (404) for an unknown id, answered by the app's error handler.
    const rows = handler.getTableRows(id, { page, pageSize })
    return c.json({ ...rows, rows: rows.rows.map(jsonRow) })
  })
}

function wholeNumber(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback
  return /^[0-9]{1,9}$/.test(raw) ? Number(raw) : undefined
}

/** Bytes have no JSON form: `{ "bytes": <length> }` says what is there. */
function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const [column, value] of Object.entries(row)) {
    if (value instanceof Uint8Array) {
      copy ??= { ...row }
      copy[column] = { bytes: value.byteLength }
    } else if (typeof value === "bigint") {
      copy ??= { ...row }
      copy[column] = value.toString()
    }
  }
  return copy ?? row
}
