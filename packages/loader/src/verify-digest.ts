import type { PluginRow } from "@dockstat/plugin-schema"
import type { DB } from "@dockstat/plugin-store"

/**
 * Why a stored plugin must not run, or null when its digest is the host key's over its name, permissions
 * and code. Whoever can write the database file but not read the key cannot forge one.
 */
export function digestProblem(row: PluginRow, db: DB): string | null {
  switch (db.signer.check(row)) {
    case "valid":
      return null
    case "unkeyed":
      return "its digest is the unkeyed sha256 stored before digests were keyed, which anyone who can write the database could forge; if you trust the code stored in the database, re-sign it once with handler.resignPlugins() (demo CLI: dockstat-plugins resign), or reinstall it"
    case "invalid":
      return "its code or permissions in the database do not match the keyed digest stored at install (changed behind the handler's back, or signed with another host key); refusing to run it"
  }
}
