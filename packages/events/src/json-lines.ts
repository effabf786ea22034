/** The longest line kept by default: 1 MiB, far above any engine event (a few KiB with many labels). */
export const MAX_LINE_BYTES = 1024 * 1024

const NEWLINE = 0x0a

export interface LineDecoderOptions {
  /** Longest line kept, in bytes without its newline. Default `MAX_LINE_BYTES`. */
  maxLineBytes?: number
  /**
   * Called once for each line that grows past the cap, as soon as it does (an endless line is reported
   * too). The line is dropped and decoding resumes after its newline.
   */
  onOversized?: (details: { bytesSeen: number; maxLineBytes: number }) => void
}

/** Splits a byte stream into lines, whatever the chunk boundaries (mid-line or mid-UTF-8 character). */
export interface LineDecoder {
  /** Feeds one chunk; returns the lines it completed (without their newline), blank lines dropped. */
  push(chunk: Buffer | string): string[]
  /** The stream ended: returns the last line when it had no trailing newline. */
  end(): string[]
  /** Bytes searched for a newline so far: each byte pushed is searched once, never again. */
  readonly scannedBytes: number
  /** Bytes held for the line not complete yet: at most `maxLineBytes`. */
  readonly bufferedBytes: number
}

/**
 * Decoder for newline-delimited JSON such as the Engine's `/events` stream. The engine writes one JSON
 * object per line, but HTTP chunking, proxies and the kernel may split or merge them anywhere.
 * Work and memory are bounded: each chunk is searched for newlines once (a long line arriving in many
 * chunks is not searched again and again), and a line over `maxLineBytes` is dropped, not buffered.
 *
 * @example
 * const lines = createLineDecoder({ onOversized: ({ bytesSeen }) => logger.warn({ bytesSeen }, "line dropped") })
 * lines.push('{"a":1}\n{"b"') // ['{"a":1}']
 * lines.push(":2}\n") // ['{"b":2}']
 */
export function createLineDecoder(options: LineDecoderOptions = {}): LineDecoder {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES
  // The pieces of the line in progress, kept as bytes: a multi-byte character cut between two chunks
  // is whole again when they are joined, and a newline byte never occurs inside a UTF-8 character.
  let pieces: Buffer[] = []
  let buffered = 0
  let scanned = 0
  // Inside a line that passed the cap: bytes are dropped until its newline.
  let dropping = false

  function take(piece: Buffer, complete: boolean, lines: string[]): void {
    if (!dropping && buffered + piece.length > maxLineBytes) {
      dropping = true
      options.onOversized?.({ bytesSeen: buffered + piece.length, maxLineBytes })
      pieces = []
      buffered = 0
    }
    if (!dropping && piece.length > 0) {
      pieces.push(piece)
      buffered += piece.length
    }
    if (!complete) return
    if (dropping) {
      dropping = false
      return
    }
    const bytes = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, buffered)
    pieces = []
    buffered = 0
    const line = bytes.toString("utf8")
    const text = line.endsWith("\r") ? line.slice(0, -1) : line
    if (text.trim() !== "") lines.push(text)
  }

  return {
    push(chunk) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk
      const lines: string[] = []
      let start = 0
      while (start < bytes.length) {
        const newline = bytes.indexOf(NEWLINE, start)
        const end = newline === -1 ? bytes.length : newline
        scanned += (newline === -1 ? end : end + 1) - start
        take(bytes.subarray(start, end), newline !== -1, lines)
        start = end + 1
      }
      return lines
    },
    end() {
      const lines: string[] = []
      if (dropping || buffered > 0) take(Buffer.alloc(0), true, lines)
      return lines.map((line) => line.trim())
    },
    get scannedBytes() {
      return scanned
    },
    get bufferedBytes() {
      return buffered
    },
  }
}
