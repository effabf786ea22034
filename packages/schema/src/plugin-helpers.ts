import type { FrontendAction, FrontendLoader, PluginFrontendConfig, PluginFrontendRoute } from "./frontend.ts"
import type { RouteShape, TypedActionContext, TypedEvents, TypedTable, TypedTableConfig } from "./typed-plugin.ts"
import type { HttpMethod, Row } from "./types.ts"

/*
 * Identity helpers of upstream DockStat's `@dockstat/plugin-builder`: each returns what it is given, so
 * parts of a plugin can be written in their own files and still be typed. Their type parameters take
 * upstream's explicit arguments (`createActions<MyRow>(...)` types `table` by `MyRow`); without them a
 * part is typed loosely, as it cannot see the plugin it will join (definePlugin and pluginBuilder can).
 */

/** The context of an action written on its own: `table` by the row type given (or any row). */
type StandaloneContext<R extends Row, Body = any> = Omit<TypedActionContext<TypedTable<R, Partial<R>> | null, Record<string, string | undefined>, any>, "body"> & {
  body: Body
}
type StandaloneAction<R extends Row> = (context: StandaloneContext<R>) => unknown
type Method = HttpMethod | Lowercase<HttpMethod>

/** One action; `createAction<MyRow, Body, Result>(...)` types its table, body and result. */
export function createAction<R extends Row = Row, Body = any, Result = unknown>(
  action: (context: StandaloneContext<R, Body>) => Result | Promise<Result>,
): (context: StandaloneContext<R, Body>) => Result | Promise<Result> {
  return action
}

/** The actions of a plugin (`config.actions`); `createActions<MyRow>(...)` types their `table`. */
export function createActions<R extends Row = Row, A extends Record<string, StandaloneAction<R>> = Record<string, StandaloneAction<R>>>(actions: A): A {
  return actions
}

/** One API route (`{ method, actions }`); with `typeof actions` as second type argument, its action names are checked. */
export function createRoute<_R extends Row = Row, A = Record<string, unknown>, const K extends keyof A & string = keyof A & string>(route: {
  method?: Method | readonly Method[]
  actions: readonly K[]
}): { method?: Method | readonly Method[]; actions: readonly K[] } {
  return route
}

/** The API routes of a plugin (`config.apiRoutes`); with `typeof actions` as second type argument, action names are checked. */
export function createApiRoutes<
  _R extends Row = Row,
  A = Record<string, unknown>,
  const Routes extends Record<string, RouteShape & { actions: readonly (keyof A & string)[] }> = Record<string, RouteShape & { actions: readonly (keyof A & string)[] }>,
>(routes: Routes): Routes {
  return routes
}

/** The plugin's table (`{ name, columns, jsonColumns?, parser? }`). */
export function createTable<_R extends Row = Row, const T extends TypedTableConfig = TypedTableConfig>(table: T): T {
  return table
}

/** The plugin's event hooks (seed and upstream names); `createEvents<MyRow>(...)` types their `table`. */
export function createEvents<R extends Row = Row, const E extends TypedEvents<TypedTable<R, Partial<R>>> = TypedEvents<TypedTable<R, Partial<R>>>>(events: E): E {
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
