const SUBJECTS = ["container", "image", "volume", "network"] as const
/** Long enough for any Docker name; a payload from `emit()` may carry anything. */
const MAX_SUBJECT = 120

/**
 * What an event is about, for the activity feed: `container web`, `image nginx:1.27`, or null. Reads the
 * payload the Docker source builds (`container.name`, `image.name`, ...); `emit()` payloads may have none.
 */
export function eventSubject(payload: Record<string, unknown>): string | null {
  for (const subject of SUBJECTS) {
    const value = payload[subject]
    if (value === null || typeof value !== "object") continue
    const { name, id } = value as { name?: unknown; id?: unknown }
    const label = typeof name === "string" && name !== "" ? name : typeof id === "string" && id !== "" ? id.slice(0, 12) : undefined
    if (label !== undefined) return `${subject} ${label.slice(0, MAX_SUBJECT)}`
  }
  return null
}
