/** `dockstat-plugins --help`. The CLI works on the database file; running servers follow its changes. */
export const USAGE = `Usage: dockstat-plugins <command> [options]
       (in the workspace: pnpm exec dockstat-plugins <command> [options])

Manage the plugins stored in the demo's database (DOCKSTAT_DB, default apps/demo/data/dockstat.db).

Commands:
  list                          List installed plugins
  install <url|file> [--update] [--runtime <kind>]
                                Install a plugin from a JSON or YAML manifest (http(s) URL or file path);
                                --update replaces an installed plugin of the same name, keeping its id
  load <id>                     Check that a plugin loads (code, table) and print its routes
  unload <id>                   Explain how to unload a plugin from a running server
  activate <id>                 Check that a plugin loads and enable it: servers load it (now and at start)
  deactivate <id>               Disable a plugin: servers unload it and skip it at start, until activated
  remove <id> [--drop-table]    Delete a plugin; its table is kept unless --drop-table is given
  routes <id>                   Print a plugin's routes and their URLs
  resign [<id>...]              Sign installs made before keyed digests with the host key (if you trust
                                the code in the database); they do not load until then
  help                          Show this help

Options:
  --update                      install: replace an installed plugin of the same name, keeping its id
  --drop-table                  remove: drop the plugin's table too
  --runtime <kind>              install: trust the plugin with a runtime, stored with it: sandbox (the
                                default for untrusted code), worker or inline (trusted: Node built-ins)
  -h, --help                    Show this help

The CLI is a separate process from the server and changes the database, which every running server on
the same file follows within about a second: an install or activate is loaded there, an update (install
--update) swapped in, a deactivate or remove unloaded. Loading here (load, routes) only checks a plugin.

Environment:
  DOCKSTAT_DB                       database file (relative paths are taken from where you run the command)
  LOG_LEVEL                         log level of the handler's logs on stderr (default error)
  DOCKSTAT_ALLOW_PRIVATE_NETWORK=0  installs refuse loopback and private addresses (allowed by default)
`
