/**
 * The worker runtime sends the calls of one event-loop turn to the plugin's thread in one message, and
 * the thread answers those it can answer at once in one message (worker-runtime.ts, worker-main.ts):
 * each message is a wake-up of a thread, and those were most of what a worker route cost.
 */
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

import PluginHandler, { DB } from "./index.ts"
import { pluginInput, useTempDir } from "./test-support.ts"

const tempDir = useTempDir()
const handlers: PluginHandler[] = []
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close()
})

const plugin = `
let calls = 0
export default {
  config: {
    apiRoutes: {
      "/n": { actions: ["n"] },
      "/slow": { actions: ["slow"] },
      "/throw": { actions: ["boom"] },
      "/unclonable": { actions: ["unclonable"] },
      "/busy": { actions: ["busy"] },
    },
    actions: {
      n: () => ++calls,
      slow: () => new Promise((resolve) => setTimeout(() => resolve("slow"), 30)),
      boom: () => { throw new Error("boom") },
      unclonable: () => () => "a function cannot cross threads",
      busy: () => { const until = Date.now() + 150; while (Date.now() < until) {} return "busy" },
    },
  },
}`

async function start() {
  const handler = new PluginHandler(new DB(join(tempDir(), "app.db")), [], { logLevel: "silent", runtime: "worker", timeoutMs: 5000 })
  handlers.push(handler)
  const saved = handler.savePlugin(pluginInput("batch", plugin))
  if (!saved.success) throw new Error(saved.message)
  await handler.loadPlugin(saved.id)
  const call = (path: string) => handler.handleRoute(saved.id, path, new Request(`http://localhost${path}`))
  return { call }
}

describe("worker calls of one turn", () => {
  it("run in the order they were made, each with its own answer or error, sync and async mixed", async () => {
    const { call } = await start()
    const outcomes = await Promise.allSettled(["/n", "/slow", "/throw", "/n", "/unclonable", "/n"].map(call))
    expect(outcomes.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : (outcome.reason as Error).message))).toEqual([
      1,
      "slow",
      expect.stringMatching(/Action "boom" of plugin "batch" failed: boom/),
      2,
      expect.stringMatching(/returned a value that cannot be sent to the host/),
      3,
    ])
    // And the thread serves on.
    expect(await call("/n")).toBe(4)
  })

  it("are answered in one message: all settle in the turn the first does", async () => {
    const { call } = await start()
    const settled = [false, false, false]
    const calls = ["/n", "/n", "/n"].map((path, index) =>
      call(path).then(() => {
        settled[index] = true
      }),
    )
    await calls[0]
    // Microtasks only, no new turn: answers that came in messages of their own would still be pending.
    for (let tick = 0; tick < 50; tick++) await null
    expect(settled).toEqual([true, true, true])
    await Promise.all(calls)
  })

  it("do not hold an answer back for more than the one call that runs after it", async () => {
    const { call } = await start()
    const [fast, first, second] = ["/n", "/busy", "/busy"].map(call) as [Promise<unknown>, Promise<unknown>, Promise<unknown>]
    let secondDone = false
    void second.then(() => {
      secondDone = true
    })
    expect(await fast).toBe(1)
    // Microtasks only: had the fast answer come in one message with the others, they would settle now. It
    // left before the second busy call ran (150 ms of the thread), which is not answered yet.
    for (let tick = 0; tick < 50; tick++) await null
    expect(secondDone).toBe(false)
    expect(await Promise.all([first, second])).toEqual(["busy", "busy"])
  })
})
