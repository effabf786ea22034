import { retryWhileBusy } from "@dockstat/plugin-store"

import type { DB } from "@dockstat/plugin-store"

import type { PreparedVersion } from "./prepared-version.ts"

/** What differs between storing a new plugin and replacing one; the order of the steps does not. */
export interface VersionSteps<W, R> {
  /** Loads the version beside whatever runs, its routes compiled and table migration planned (`prepareVersion`). */
  prepare: () => Promise<PreparedVersion>
  /** The row's write (insert or update), in the transaction, just before the table migration. */
  write: (prepared: PreparedVersion) => W
  /** Names the change in the error of a database that stays locked: `Install of plugin "x"`. */
  what: string
  /** The answer when the version cannot be prepared: nothing was written, nothing of it runs. */
  refused: (error: unknown) => R
  /** The answer when the transaction failed: nothing was written, the prepared version is released. */
  failed: (error: unknown) => R
  /** After the commit: serve the version (or not) and call its hooks; it owns `prepared.instance` from here. */
  commit: (prepared: PreparedVersion, written: W) => Promise<R>
}

/**
 * Stores a new version of a plugin in the one order install and update share: every check that can fail
 * (load, route compilation, table plan) runs before anything is written; then the row and the table
 * migration go in one transaction, so a failed update changes nothing; only then does the version serve.
 */
export async function applyVersion<W, R>(db: DB, steps: VersionSteps<W, R>): Promise<R> {
  let prepared: PreparedVersion
  try {
    prepared = await steps.prepare()
  } catch (error) {
    return steps.refused(error)
  }
  let written: W
  try {
    // Another connection (a worker plugin writing) may hold the write lock: wait between tries, not in SQLite.
    written = await retryWhileBusy(
      () =>
        db.transaction(() => {
          const value = steps.write(prepared)
          prepared.plan?.apply()
          return value
        }),
      { what: steps.what },
    )
  } catch (error) {
    await prepared.instance.dispose()
    return steps.failed(error)
  }
  return steps.commit(prepared, written)
}
