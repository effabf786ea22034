/**
 * @dockstat/plugin-router: a plugin's routes as an immutable table, a `Request` reduced to action
 * input, the action-chain runner both runtimes share, and results or errors turned into a `Response`.
 * The PluginHandler facade composes these pieces; nothing here knows the loader.
 *
 * @example
 * const table = compileRoutes(routesFromConfig(definition.config?.apiRoutes)) // once, at load
 * const found = table.match(request.method, path)                             // per request
 * if (found.kind === "found") {
 *   const input = await readRouteInput(request, { path, params: found.params })
 *   return toResponse(await instance.runRoute(found.route.key, input))
 * }
 */
export { compileRoutes } from "./compile-routes.ts"
export type { RouteMatch, RouteTable } from "./compile-routes.ts"
export { errorToResponse } from "./error-to-response.ts"
export { methodNotAllowed, routeNotFound } from "./errors.ts"
export { createFetchHandler } from "./fetch-handler.ts"
export type { FetchHandler, FetchHandlerOptions, RouteHost } from "./fetch-handler.ts"
export type { FormFile } from "./parse-body.ts"
export { DEFAULT_MAX_BODY_BYTES, readRouteInput, readRouteInputNow } from "./read-route-input.ts"
export type { ReadRouteInputOptions } from "./read-route-input.ts"
export { routesFromConfig } from "./routes-from-config.ts"
export { runActionChain, runActionChainNow } from "./run-action-chain.ts"
export type { RunActionChainOptions } from "./run-action-chain.ts"
export { toResponse } from "./to-response.ts"
