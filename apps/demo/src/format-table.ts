/**
 * Rows as a plain-text table with a header, columns padded to their widest cell. No box drawing: the
 * output stays greppable and copy-pastable.
 *
 * @example
 * formatTable(["ID", "NAME"], [["1", "example-plugin"]]) // "ID  NAME\n1   example-plugin"
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd()
  return [line(headers), ...rows.map(line)].join("\n")
}

/** A plugin's permissions in one table cell without spaces: `network=a.com,b.com;env=TOKEN`, or `none`. */
export function formatPermissions(permissions: { network: readonly string[]; env: readonly string[] }): string {
  const parts = [
    ...(permissions.network.length > 0 ? [`network=${permissions.network.join(",")}`] : []),
    ...(permissions.env.length > 0 ? [`env=${permissions.env.join(",")}`] : []),
  ]
  return parts.length > 0 ? parts.join(";") : "none"
}
