import type { FrontendAction, FrontendLoader, PluginFrontendConfig, PluginFrontendRoute } from "./frontend.ts"
import type { Action, PluginEvents, RouteConfig, TableConfig } from "./types.ts"

/*
 * Identity helpers of upstream DockStat's `@dockstat/plugin-builder`: each returns what it is given, so
 * parts of a plugin can be written in their own files and still be typed.
 */

/** One action. */
export function createAction<F extends Action>(action: F): F {
  return action
}

/** The actions of a plugin (`config.actions`). */
export function createActions<A extends Record<string, Action>>(actions: A): A {
  return actions
}

/** One API route (`{ method, actions }`). */
export function createRoute<const R extends RouteConfig>(route: R): R {
  return route
}

/** The API routes of a plugin (`config.apiRoutes`). */
export function createApiRoutes<const R extends Record<string, RouteConfig>>(routes: R): R {
  return routes
}

/** The plugin's table (`{ name, columns, parser? }`). */
export function createTable<const T extends TableConfig>(table: T): T {
  return table
}

/** The plugin's event hooks. */
export function createEvents<E extends PluginEvents>(events: E): E {
  return events
}

export function createFrontendRoute(route: PluginFrontendRoute): PluginFrontendRoute {
  return route
}

export function createFrontendRoutes(routes: PluginFrontendRoute[]): PluginFrontendRoute[] {
  return routes
}

export function createFrontendLoader(loader: FrontendLoader): FrontendLoader {
  return loader
}

export function createFrontendAction(action: FrontendAction): FrontendAction {
  return action
}

export function createFrontendConfig(config: PluginFrontendConfig): PluginFrontendConfig {
  return config
}
