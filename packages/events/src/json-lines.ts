import { StringDecoder } from "node:string_decoder"

/** Splits a byte stream into lines, whatever the chunk boundaries (mid-line or mid-UTF-8 character). */
export interface LineDecoder {
  /** Feeds one chunk; returns the lines it completed (without their newline), blank lines dropped. */
  push(chunk: Buffer | string): string[]
  /** The stream ended: returns the last line when it had no trailing newline. */
  end(): string[]
}

/**
 * Decoder for newline-delimited JSON such as the Engine's `/events` stream. The engine writes one JSON
 * object per line, but HTTP chunking, proxies and the kernel may split or merge them anywhere.
 *
 * @example
 * const lines = createLineDecoder()
 * lines.push('{"a":1}\n{"b"') // ['{"a":1}']
 * lines.push(":2}\n") // ['{"b":2}']
 */
export function createLineDecoder(): LineDecoder {
  // StringDecoder holds back an incomplete multi-byte character until its remaining bytes arrive.
  const utf8 = new StringDecoder("utf8")
  let pending = ""
  const split = (text: string): string[] => {
    pending += text
    const parts = pending.split("\n")
    pending = parts.pop() ?? ""
    return parts.map((line) => line.replace(/\r$/, "")).filter((line) => line.trim() !== "")
  }
  return {
    push: (chunk) => split(typeof chunk === "string" ? chunk : utf8.write(chunk)),
    end: () => {
      const lines = split(utf8.end())
      const last = pending.trim()
      pending = ""
      return last === "" ? lines : [...lines, last]
    },
  }
}
