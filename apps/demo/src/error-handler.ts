import { errorToResponse, isPluginError } from "@dockstat/plugin-handler"
import { HTTPException } from "hono/http-exception"

import type { ErrorHandler, NotFoundHandler } from "hono"
import type { Logger } from "pino"

/**
 * `app.onError`: a PluginError already knows its status, headers (Allow on a 405) and JSON body, so it is
 * answered as the plugin routes answer it. Anything else is our bug: logged with its stack, answered as a
 * 500 that never carries the stack or the internal message.
 */
export function createErrorHandler(logger: Logger | undefined): ErrorHandler {
  return (error, c) => {
    if (isPluginError(error)) return errorToResponse(error)
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ error: "BAD_REQUEST", message: error.message || "Bad request" }, error.status)
    }
    logger?.error({ err: error, method: c.req.method, path: c.req.path }, "request failed")
    return c.json({ error: "INTERNAL", message: "Internal server error" }, 500)
  }
}

/** `app.notFound`: JSON like every other answer of the API, naming what was asked for. */
export const notFoundHandler: NotFoundHandler = (c) =>
  c.json({ error: "NOT_FOUND", message: `Nothing is served at ${c.req.method} ${c.req.path}` }, 404)
