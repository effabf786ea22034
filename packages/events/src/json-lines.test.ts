import { describe, expect, it } from "vitest"

import { MAX_LINE_BYTES, createLineDecoder } from "./json-lines.ts"

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

  it("drops a line over the cap with one report as soon as it passes it, and resumes after its newline", () => {
    const reports: { bytesSeen: number; maxLineBytes: number }[] = []
    const decoder = createLineDecoder({ maxLineBytes: 16, onOversized: (details) => void reports.push(details) })
    expect(decoder.push('{"a":1}\n{"long":"aaaaa')).toEqual(['{"a":1}'])
    expect(decoder.push("aaaaaaaaaa")).toEqual([])
    expect(reports).toEqual([{ bytesSeen: 24, maxLineBytes: 16 }])
    expect(decoder.bufferedBytes).toBe(0)
    expect(decoder.push('aaaaaaaaaaaaaaaaaaaa"}\n{"b":2}\n')).toEqual(['{"b":2}'])
    expect(reports).toHaveLength(1)
    // Exactly at the cap is kept.
    expect(decoder.push(`"${"x".repeat(14)}"\n`)).toEqual([`"${"x".repeat(14)}"`])
  })

  it("keeps its memory at the cap on a multi-MiB line arriving in small chunks, and searches each byte once", () => {
    const reports: number[] = []
    const decoder = createLineDecoder({ onOversized: ({ bytesSeen }) => void reports.push(bytesSeen) })
    const chunk = Buffer.alloc(4096, "a")
    const lines: string[] = [...decoder.push('{"before":1}\n{"x":"')]
    let pushed = Buffer.byteLength('{"before":1}\n{"x":"')
    let peak = 0
    for (let sent = 0; sent < 4 * MAX_LINE_BYTES; sent += chunk.length) {
      lines.push(...decoder.push(chunk))
      pushed += chunk.length
      peak = Math.max(peak, decoder.bufferedBytes)
    }
    lines.push(...decoder.push('"}\n{"after":2}\n'))
    pushed += Buffer.byteLength('"}\n{"after":2}\n')
    expect(lines).toEqual(['{"before":1}', '{"after":2}'])
    expect(reports).toHaveLength(1)
    expect(peak).toBeLessThanOrEqual(MAX_LINE_BYTES)
    // Linear work: the old decoder joined and split the whole pending text again on every chunk.
    expect(decoder.scannedBytes).toBe(pushed)
  })
})
