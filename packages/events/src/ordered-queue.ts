/** Items handled one at a time, in the order they were pushed, while the producer reads ahead. */
export interface OrderedQueue<T> {
  /** Adds an item; resolves at once, or once the queue is below its limit again when it is full. */
  push(item: T): Promise<void>
  /** Resolves when every item pushed so far is handled (or, once stopped, when the current one is). */
  drained(): Promise<void>
  /** Handles no further item; the one in progress finishes. What is left is dropped. */
  stop(): void
  readonly size: number
}

/**
 * A bounded FIFO with a single consumer. The Docker engine drops events for a subscriber that does not
 * read for 100 ms once its 1024-event channel is full, so the source keeps reading into this queue while
 * a slow hook runs; only when `max` items wait does the producer pause (and the engine's own buffer
 * takes over).
 *
 * @example
 * const queue = createOrderedQueue({ max: 1000, handle: (event) => deliver(event) })
 * for await (const event of stream) await queue.push(event)
 * await queue.drained()
 */
export function createOrderedQueue<T>(options: {
  max: number
  /** Must not reject: a failure of one item is the handler's to record. */
  handle: (item: T) => Promise<void>
}): OrderedQueue<T> {
  const items: T[] = []
  let running: Promise<void> | undefined
  let stopped = false
  let space: (() => void) | undefined

  async function pump(): Promise<void> {
    while (items.length > 0 && !stopped) {
      const item = items.shift() as T
      if (space !== undefined && items.length < options.max) {
        space()
        space = undefined
      }
      await options.handle(item)
    }
  }

  function startPump(): void {
    running = pump().finally(() => {
      running = undefined
      // An item pushed between the pump's last check and this moment would otherwise wait forever.
      if (items.length > 0 && !stopped) startPump()
    })
  }

  return {
    get size() {
      return items.length
    },
    push(item) {
      if (stopped) return Promise.resolve()
      items.push(item)
      if (running === undefined) startPump()
      if (items.length < options.max) return Promise.resolve()
      return new Promise((resolve) => {
        space = resolve
      })
    },
    async drained() {
      while (running !== undefined) await running
    },
    stop() {
      stopped = true
      items.length = 0
      space?.()
      space = undefined
    },
  }
}
