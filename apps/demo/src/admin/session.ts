import { createHash, createHmac, timingSafeEqual } from "node:crypto"

/** How long a login lasts. */
export const SESSION_HOURS = 12

/** The fewest characters `DOCKSTAT_ADMIN_TOKEN` may have: a short token could be guessed over HTTP. */
export const MIN_TOKEN_LENGTH = 16

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

/**
 * Whether `given` is the token, in constant time: both sides are hashed first, so neither their length
 * nor where they differ shows in how long the comparison takes.
 */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token))
}

/**
 * A login session, signed with the token: `v1.<expires (unix s)>.<HMAC-SHA256>`. The cookie is not the
 * token itself, ends after SESSION_HOURS, and every session ends when the token changes.
 */
export function createSession(token: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + SESSION_HOURS * 3600
  return `v1.${expires}.${sign(token, expires)}`
}

export function sessionValid(value: string | undefined, token: string, now = Date.now()): boolean {
  if (value === undefined) return false
  const match = /^v1\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value)
  if (!match) return false
  const expires = Number(match[1])
  if (expires * 1000 <= now) return false
  return timingSafeEqual(Buffer.from(sign(token, expires)), Buffer.from(match[2] as string))
}

function sign(token: string, expires: number): string {
  return createHmac("sha256", token).update(`dockstat-admin-session.${expires}`).digest("base64url")
}
