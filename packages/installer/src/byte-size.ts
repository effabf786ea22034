const KIB = 1024
const MIB = 1024 * KIB

/** `1048576` -> `"1 MiB"`, `1500` -> `"1500 bytes"`: limits read better in the unit they were set in. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`
  return `${bytes} bytes`
}
