import type { RouteShape, TypedPlugin, TypedTableConfig } from "./typed-plugin.ts"

/**
 * Identity helper that types a plugin module's default export from the plugin itself, with no type
 * written by hand: `table` in every action and hook is typed by the declared columns (rows, inserts,
 * where and update values), `params` by the paths of the routes that call the action, route chains may
 * name only actions that exist, and hooks come from the event catalog with their contexts.
 *
 * `previousAction` is the awaited result of the action before it when TypeScript knows that result
 * before it types the action; between functions of one object literal it cannot
 * (microsoft/TypeScript#53018), so there it is `any`. `pluginBuilder()` types it across `.actions()` calls.
 *
 * @example
 * export default definePlugin({
 *   name: "hosts",
 *   config: {
 *     table: { name: "hosts", columns: { id: column.id(), name: column.text({ notNull: true }) } },
 *     apiRoutes: { "/hosts/:hostId": { method: "GET", actions: ["byId"] } },
 *     actions: { byId: ({ table, params }) => table.where({ id: Number(params.hostId) }).get() },
 *   },
 * })
 */
export function definePlugin<
  const T extends TypedTableConfig | undefined = undefined,
  const R extends Record<string, RouteShape> = {},
  A extends string = never,
>(plugin: TypedPlugin<T, R, A>): TypedPlugin<T, R, A> {
  return plugin
}
