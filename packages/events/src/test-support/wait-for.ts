import { setTimeout as sleep } from "node:timers/promises"

/**
 * Polls until `condition` holds. The limit is generous on purpose: it only decides how long a broken
 * behaviour takes to fail, never whether a correct one passes.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}
