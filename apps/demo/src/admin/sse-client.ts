const encoder = new TextEncoder()

export interface SseClientOptions {
  /** Bytes of frames a client may have waiting; past it the oldest are dropped (and counted). */
  maxQueueBytes: number
  /** Told when the client is gone (it disconnected, or `close()`). */
  onClose: () => void
}

/**
 * One Server-Sent Events connection with a bounded queue. Frames wait in the queue until the connection
 * asks for more (the stream is pulled: @hono/node-server reads again only once the socket drained), so a
 * slow client costs at most `maxQueueBytes` here; when it falls that far behind, the oldest frames are
 * dropped and the client is told how many with an `event: dropped` frame.
 */
export class SseClient {
  readonly stream: ReadableStream<Uint8Array>
  readonly #options: SseClientOptions
  #queue: { frame: string; bytes: number }[] = []
  #bytes = 0
  #dropped = 0
  #closed = false
  #ended = false
  /** The pending pull, waiting for a frame. */
  #wake: (() => void) | undefined

  constructor(options: SseClientOptions) {
    this.#options = options
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: (controller) =>
          new Promise<void>((resolve) => {
            const flush = () => {
              this.#wake = undefined
              const text = this.#take()
              if (text !== "") controller.enqueue(encoder.encode(text))
              if (this.#closed && this.#queue.length === 0) {
                controller.close()
                this.#end()
              }
              resolve()
            }
            if (this.#queue.length > 0 || this.#dropped > 0 || this.#closed) flush()
            else this.#wake = flush
          }),
        cancel: () => this.#end(),
      },
      // Nothing is read ahead: a frame leaves the queue only when the connection can take it.
      { highWaterMark: 0 },
    )
  }

  /** Bytes waiting. */
  get queuedBytes(): number {
    return this.#bytes
  }

  /** Frames dropped since the client last heard of drops. */
  get dropped(): number {
    return this.#dropped
  }

  get idle(): boolean {
    return this.#queue.length === 0
  }

  get ended(): boolean {
    return this.#ended
  }

  send(frame: string): void {
    if (this.#closed) return
    const bytes = Buffer.byteLength(frame)
    this.#queue.push({ frame, bytes })
    this.#bytes += bytes
    while (this.#bytes > this.#options.maxQueueBytes && this.#queue.length > 1) {
      this.#bytes -= (this.#queue.shift() as { bytes: number }).bytes
      this.#dropped += 1
    }
    this.#wake?.()
  }

  /** Ends the stream once what is queued is sent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#wake?.()
  }

  #take(): string {
    const dropped = this.#dropped > 0 ? sseFrame("dropped", JSON.stringify({ dropped: this.#dropped })) : ""
    this.#dropped = 0
    const text = dropped + this.#queue.map((entry) => entry.frame).join("")
    this.#queue = []
    this.#bytes = 0
    return text
  }

  #end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#closed = true
    this.#queue = []
    this.#bytes = 0
    this.#options.onClose()
  }
}

/** One SSE frame; `data` must be a single line (JSON is). */
export function sseFrame(event: string, data: string, id?: number): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`
}
