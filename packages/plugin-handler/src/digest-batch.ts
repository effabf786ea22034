import type { PluginRegistry } from "@dockstat/plugin-store"

/**
 * The stored digest of a plugin, read after its load to see whether its row changed meanwhile. The
 * reads asked for within one turn of the event loop are answered by one query: a start that loads 1000
 * plugins asks 1000 times in the same turn, and one query costs what a single-row read does (~20-40 us
 * on libsql). Each answer is read after the question was asked, so no change before it is missed.
 */
export function createDigestReader(registry: PluginRegistry): (id: number) => Promise<string | undefined> {
  let waiting: Map<number, ((digest: string | undefined | PromiseLike<string | undefined>) => void)[]> | undefined
  const flush = () => {
    const batch = waiting as Map<number, ((digest: string | undefined | PromiseLike<string | undefined>) => void)[]>
    waiting = undefined
    let digests: Map<number, string>
    try {
      digests = registry.digestsOf([...batch.keys()])
    } catch {
      // A busy or failing database: ask one by one, so each caller gets its own error.
      for (const [id, resolvers] of batch) {
        for (const resolve of resolvers) resolve(readOne(registry, id))
      }
      return
    }
    for (const [id, resolvers] of batch) for (const resolve of resolvers) resolve(digests.get(id))
  }
  return (id) =>
    new Promise((resolve) => {
      if (waiting === undefined) {
        waiting = new Map()
        setImmediate(flush)
      }
      const resolvers = waiting.get(id)
      if (resolvers === undefined) waiting.set(id, [resolve])
      else resolvers.push(resolve)
    })
}

/** One digest, or a rejected Promise with the database's error (resolve() adopts it). */
function readOne(registry: PluginRegistry, id: number): string | undefined | PromiseLike<string | undefined> {
  try {
    return registry.digestOf(id)
  } catch (error) {
    return Promise.reject(error)
  }
}
