import { z } from "zod"

/**
 * An embedded replica of a libSQL server (sqld, Turso): the file is a local copy that reads are served
 * from, synchronously, and writes go to the primary at `syncUrl` through libsql's own connection.
 * These are the `libsql` package's own option names, passed through unchanged.
 */
export interface ReplicaOptions {
  /** The primary: `libsql://`, `https://` or `http://` (sqld's HTTP port). */
  syncUrl?: string
  /** The primary's token (a JWT for sqld with auth, Turso's database token); sent as a Bearer token. */
  authToken?: string
  /** Seconds between background pulls from the primary (libsql's `syncPeriod`); 0 or unset: only at open and on `db.sync()`. */
  syncPeriod?: number
  /** Whether this replica sees its own writes at once (libsql's `readYourWrites`, default true). */
  readYourWrites?: boolean
}

const replicaSchema = z.strictObject({
  syncUrl: z
    .string()
    .refine((value) => {
      try {
        return ["libsql:", "http:", "https:"].includes(new URL(value).protocol)
      } catch {
        return false
      }
    }, "must be a libsql://, https:// or http:// URL of the primary (sqld or Turso)"),
  authToken: z.string().min(1, "must not be empty (leave it out for a primary without auth)").regex(/^\S+$/, "must not contain whitespace").optional(),
  syncPeriod: z.number().finite().min(0, "must be 0 or more (seconds)").optional(),
  readYourWrites: z.boolean().optional(),
})

/** What `new Database(path, options)` of libsql gets for a replica; undefined for a plain local file. */
export type LibsqlReplicaOptions = z.infer<typeof replicaSchema>

/**
 * Checks the replica options of `new DB(path, options)`: undefined when none is set (a plain file),
 * else libsql's options. Throws a TypeError naming the bad option. The token never appears in a message.
 */
export function readReplicaOptions(path: string, inMemory: boolean, options: ReplicaOptions): LibsqlReplicaOptions | undefined {
  const given = { syncUrl: options.syncUrl, authToken: options.authToken, syncPeriod: options.syncPeriod, readYourWrites: options.readYourWrites }
  const set = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined))
  if (Object.keys(set).length === 0) return undefined
  if (set.syncUrl === undefined) throw new TypeError(`DB option ${Object.keys(set).join(", ")} needs syncUrl (the primary an embedded replica syncs with)`)
  if (inMemory) throw new TypeError(`An embedded replica needs a file to keep its copy in, got ${JSON.stringify(path)}`)
  const parsed = replicaSchema.safeParse(set)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "options"} ${issue.message}`)
    throw new TypeError(`Invalid embedded replica options: ${issues.join("; ")}`)
  }
  return parsed.data
}
