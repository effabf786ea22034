/** `dockstat-plugins --help`. The CLI works on the database file; running servers follow its changes. */
export const USAGE = `Usage: dockstat-plugins <command> [options]
       (in the workspace: pnpm exec dockstat-plugins <command> [options])

Manage the plugins stored in the demo's database (DOCKSTAT_DB, default apps/demo/data/dockstat.db),
and write, build and run plugins of your own.

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

Plugin authoring (these work on a plugin project, not on the database):
  new <name> [--dir <path>]     Write a plugin project: TypeScript source with a table, a route and a hook,
                                a test that runs it in a real host, scripts build, dev, test, typecheck
  build [dir] [--inline]        Bundle the project (default: this folder) with esbuild into dist/plugin.js
                                and write dist/manifest.json (permissions, sha384 integrity) to install
  dev [dir] [--runtime <kind>]  Start the demo server (PORT, DOCKSTAT_DB as for pnpm start) with the
                                plugin installed, and rebuild and reload it on every change, keeping its
                                table and rows; build and load errors name the place in the source

Options:
  --update                      install: replace an installed plugin of the same name, keeping its id
  --drop-table                  remove: drop the plugin's table too
  --runtime <kind>              install, dev: trust the plugin with a runtime, stored with it: sandbox
                                (the default for untrusted code), worker or inline (trusted: Node built-ins)
  --dir <path>                  new: the project's folder (default ./<name>; must not exist or be empty)
  --inline                      build: put the code into the manifest instead of beside it
  -h, --help                    Show this help

The CLI is a separate process from the server and changes the database, which every running server on
the same file follows within about a second: an install or activate is loaded there, an update (install
--update) swapped in, a deactivate or remove unloaded. Loading here (load, routes) only checks a plugin.

Environment:
  DOCKSTAT_DB                       database file (relative paths are taken from where you run the command)
  LOG_LEVEL                         log level of the handler's logs on stderr (default error)
  DOCKSTAT_ALLOW_PRIVATE_NETWORK=0  installs refuse loopback and private addresses (allowed by default)
`
