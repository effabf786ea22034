export interface SseFrame {
  id?: string
  event?: string
  data?: string
  /** Comment lines (`: ping`). */
  comments: string[]
  retry?: string
}

/**
 * Reads Server-Sent Events frames from a fetch Response, as a browser's EventSource parses them
 * (enough of it for tests: id, event, data, retry, comments).
 */
export function sseReader(response: Response) {
  if (response.body === null) throw new Error("the response has no body")
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  const frames: SseFrame[] = []
  let ended = false
  /** A read that lost a race against a timeout is kept for the next wait: its chunk must not be lost. */
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined
  const read = async (left: number): Promise<void> => {
    pending ??= reader.read()
    let timer: NodeJS.Timeout | undefined
    const chunk = await Promise.race([pending, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), left)))])
    clearTimeout(timer)
    if (chunk === "timeout") return
    pending = undefined
    if (chunk.done) ended = true
    else buffer += decoder.decode(chunk.value, { stream: true })
  }

  const parse = () => {
    for (;;) {
      const end = buffer.indexOf("\n\n")
      if (end === -1) return
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const frame: SseFrame = { comments: [] }
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) frame.comments.push(line.slice(1).trim())
        else {
          const colon = line.indexOf(":")
          const field = colon === -1 ? line : line.slice(0, colon)
          const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
          if (field === "id" || field === "event" || field === "retry") frame[field] = value
          else if (field === "data") frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`
        }
      }
      frames.push(frame)
    }
  }

  return {
    /** Waits for the next frame that `match` accepts (earlier ones are consumed), or fails after `timeoutMs`. */
    async next(match: (frame: SseFrame) => boolean = () => true, timeoutMs = 20_000): Promise<SseFrame> {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const index = frames.findIndex(match)
        if (index !== -1) {
          const [frame] = frames.splice(0, index + 1).slice(-1)
          return frame as SseFrame
        }
        if (ended) throw new Error("the stream ended")
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`no matching SSE frame within ${timeoutMs} ms`)
        await read(left)
        parse()
      }
    },
    /** Resolves once the server ended the stream (frames still unread are dropped). */
    async ended(timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!ended) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`the stream did not end within ${timeoutMs} ms`)
        await read(left)
        buffer = ""
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  }
}
