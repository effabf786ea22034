/**
 * Per plugin id, the loads, reloads and updates in flight, run one after another, and the disposals of
 * plugins stopped meanwhile. Kept apart from the handler so "is anything of this plugin still running?"
 * has one answer: `settled()` (and `close()` through it) waits for both, so no caller has to poll.
 */
export class PluginQueue {
  /** Per plugin id, the tail of its queue of loads, reloads and updates. */
  readonly #queues = new Map<number, Promise<void>>()
  /** Plugins being stopped (unload, delete, update swap): `settled()` waits for them. */
  readonly #disposals = new Set<Promise<void>>()

  /** Whether a load, reload or update of plugin `id` is queued or running. */
  has(id: number): boolean {
    return this.#queues.has(id)
  }

  /** Runs `task` once every earlier task of plugin `id` is over, whether it failed or not. */
  serial<T>(id: number, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve()
    const run = previous.then(task, task)
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.#queues.set(id, tail)
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id)
    })
    return run
  }

  /** Keeps a disposal in flight until it is over, so `settled()` waits for it. */
  track(disposal: Promise<void>): void {
    this.#disposals.add(disposal)
    void disposal.finally(() => this.#disposals.delete(disposal))
  }

  /** Resolves once every queued task and tracked disposal, including those they started, is over. */
  async settled(): Promise<void> {
    while (this.#queues.size > 0 || this.#disposals.size > 0) {
      await Promise.allSettled([...this.#queues.values(), ...this.#disposals])
    }
  }
}
