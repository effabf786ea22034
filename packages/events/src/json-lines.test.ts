import { describe, expect, it } from "vitest"

import { createLineDecoder } from "./json-lines.ts"

describe("createLineDecoder", () => {
  const text = '{"a":"grüße 🐳"}\n{"b":2}\n\n{"c":3}\n'

  it("gives the same lines however the bytes are split, even inside a multi-byte character", () => {
    const bytes = Buffer.from(text, "utf8")
    for (let size = 1; size <= bytes.length; size += 1) {
      const decoder = createLineDecoder()
      const lines: string[] = []
      for (let offset = 0; offset < bytes.length; offset += size) lines.push(...decoder.push(bytes.subarray(offset, offset + size)))
      lines.push(...decoder.end())
      expect(lines, `chunks of ${size} bytes`).toEqual(['{"a":"grüße 🐳"}', '{"b":2}', '{"c":3}'])
    }
  })

  it("keeps a line without its newline until the end of the stream", () => {
    const decoder = createLineDecoder()
    expect(decoder.push('{"a":1}\r\n{"b"')).toEqual(['{"a":1}'])
    expect(decoder.push(":2}")).toEqual([])
    expect(decoder.end()).toEqual(['{"b":2}'])
  })
})
