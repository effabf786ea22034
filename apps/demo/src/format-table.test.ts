import { describe, expect, it } from "vitest"

import { formatPermissions, formatTable } from "./format-table.ts"

describe("formatTable", () => {
  it("pads every column but the last to its widest cell", () => {
    expect(formatTable(["ID", "NAME", "VERSION"], [["1", "example-plugin", "1.0.0"], ["12", "x", "10.0.0"]])).toBe(
      ["ID  NAME            VERSION", "1   example-plugin  1.0.0", "12  x               10.0.0"].join("\n"),
    )
  })

  it("prints just the header for no rows", () => {
    expect(formatTable(["ID", "NAME"], [])).toBe("ID  NAME")
  })
})

describe("formatPermissions", () => {
  it("fits a plugin's permissions in one cell without spaces", () => {
    expect(formatPermissions({ network: ["a.example.com", "b.example.com:8443"], env: ["API_TOKEN"] })).toBe("network=a.example.com,b.example.com:8443;env=API_TOKEN")
    expect(formatPermissions({ network: [], env: ["A", "B"] })).toBe("env=A,B")
    expect(formatPermissions({ network: [], env: [] })).toBe("none")
  })
})
