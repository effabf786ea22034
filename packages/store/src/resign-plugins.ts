import { eq } from "drizzle-orm"
import { plugins } from "@dockstat/plugin-schema"

import type { DB } from "./db.ts"
import { recordChange } from "./registry-changes.ts"

export interface ResignReport {
  /** Installs from before keyed digests, now signed with the host key. */
  resigned: { id: number; name: string }[]
  /** Plugins left as they were, and why. */
  skipped: { id: number; name: string | null; reason: string }[]
}

/**
 * Trust on the admin's word: signs, with the host key, the installs whose digest is still the unkeyed
 * sha256 of their code (stored before digests were keyed). Only rows that match their unkeyed digest and
 * declare no permissions (an old install could not have any) qualify; a row signed already, or changed
 * since, is left alone. `ids` narrows it to those plugins.
 */
export function resignUnkeyedPlugins(db: DB, ids?: readonly number[]): ResignReport {
  const report: ResignReport = { resigned: [], skipped: [] }
  const wanted = ids === undefined ? undefined : new Set(ids)
  return db.transaction(() => {
    const rows = db.drizzle.select().from(plugins).all()
    for (const id of wanted ?? []) {
      if (!rows.some((row) => row.id === id)) report.skipped.push({ id, name: null, reason: "no such plugin" })
    }
    for (const row of rows) {
      if (wanted && !wanted.has(row.id)) continue
      const check = db.signer.check(row)
      if (check === "valid") {
        if (wanted) report.skipped.push({ id: row.id, name: row.name, reason: "already signed with this host's key" })
        continue
      }
      if (check === "invalid") {
        report.skipped.push({ id: row.id, name: row.name, reason: "its code does not match its digest (changed behind the handler's back, or signed with another key); reinstall it" })
        continue
      }
      if (row.permissions.network.length > 0 || row.permissions.env.length > 0) {
        report.skipped.push({ id: row.id, name: row.name, reason: "it declares permissions, which an install from before keyed digests cannot have; reinstall it" })
        continue
      }
      db.drizzle.update(plugins).set({ digest: db.signer.sign(row) }).where(eq(plugins.id, row.id)).run()
      // Other processes may load it now (it was refused before): an update to them.
      recordChange(db, row.id, "update", row.version)
      report.resigned.push({ id: row.id, name: row.name })
    }
    return report
  })
}
