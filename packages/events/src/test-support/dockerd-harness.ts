import { writeFileSync } from "node:fs"

import { decodeEngineEvent } from "../engine-event.ts"
import { containerSpec } from "./dockerd.ts"
import { waitFor } from "./wait-for.ts"

import type { Dockerd } from "./dockerd.ts"
import type { ContainerStep, EngineHarness } from "./engine-harness.ts"

/**
 * `pnpm --filter @dockstat/plugin-events record-fixtures` (DOCKSTAT_RECORD_FIXTURES=1) rewrites
 * packages/events/fixtures from the real engine the tests start.
 */
export const RECORDING = process.env.DOCKSTAT_RECORD_FIXTURES === "1"

/** Where a fixture file lives, for writing it. */
export function fixtureUrl(name: string): URL {
  return new URL(`../../fixtures/${name}`, import.meta.url)
}

interface Tracked {
  name: string
  restartAlways: boolean
}

/** The contract's engine: our private dockerd, driven through the Engine API. */
export function createDockerdHarness(dockerd: Dockerd): EngineHarness {
  const { api } = dockerd
  const containers = new Map<string, Tracked>()

  async function running(id: string): Promise<{ running: boolean; startedAt: string }> {
    const inspect = await api.json<{ State: { Running: boolean; StartedAt: string } }>("GET", `/containers/${id}/json`)
    return { running: inspect.State.Running, startedAt: inspect.State.StartedAt }
  }

  return {
    host: dockerd.host,
    image: dockerd.image,
    async createContainer({ name, labels, restartAlways = false }) {
      const spec = containerSpec({ ...(labels === undefined ? {} : { labels }), restartAlways })
      const { Id } = await api.json<{ Id: string }>("POST", `/containers/create?name=${encodeURIComponent(name)}`, spec)
      containers.set(Id, { name, restartAlways })
      return Id
    },
    async step(id, step) {
      await runStep(dockerd, id, step, containers.get(id)?.name ?? id)
    },
    async restartEngine(whenBack) {
      const before = new Map<string, string>()
      for (const id of containers.keys()) {
        const state = await running(id).catch(() => undefined)
        if (state?.running) before.set(id, state.startedAt)
      }
      await dockerd.kill()
      await dockerd.start()
      await whenBack()
      // The engine restores containers in the background after it answers: wait until those with a
      // restart policy run again (a new StartedAt) and the others are down, so the record is complete.
      await waitFor(
        async () => {
          for (const [id, startedAt] of before) {
            const state = await running(id)
            const restarted = state.running && state.startedAt !== startedAt
            if (containers.get(id)?.restartAlways ? !restarted : state.running) return false
          }
          return true
        },
        "the engine to restore its containers",
        90_000,
      )
      if (RECORDING) {
        // Everything the new daemon said about the containers that were running, from its start.
        const text = await api.historyText(1n, await api.now())
        const ids = [...before.keys()]
        const lines = text.split("\n").filter((line) => line.trim() !== "" && ids.some((id) => line.includes(id)))
        writeFileSync(fixtureUrl("engine-restart.jsonl"), `${lines.join("\n")}\n`)
      }
    },
    now: () => api.now(),
    history: (since, until) => api.history(since, until),
  }
}

/** One contract step as an Engine API call. */
export async function runStep(dockerd: Dockerd, id: string, step: ContainerStep, name: string): Promise<void> {
  const { api } = dockerd
  const call = async (method: string, path: string, body?: unknown): Promise<void> => {
    await api.json(method, path, body)
  }
  switch (step) {
    case "start":
    case "pause":
    case "unpause":
    case "kill":
      return call("POST", `/containers/${id}/${step}`)
    case "stop":
    case "restart":
      return call("POST", `/containers/${id}/${step}?t=10`)
    case "rename":
      return call("POST", `/containers/${id}/rename?name=${encodeURIComponent(`${name}-renamed`)}`)
    case "update":
      return call("POST", `/containers/${id}/update`, { RestartPolicy: { Name: "no" } })
    case "remove":
      return call("DELETE", `/containers/${id}?force=1`)
  }
}

/** Keeps the lines of a raw event stream whose event matches, as the engine wrote them. */
export function linesAbout(text: string, predicate: (event: ReturnType<typeof decodeEngineEvent>["event"]) => boolean): string[] {
  return text.split("\n").filter((line) => line.trim() !== "" && predicate(decodeEngineEvent(line).event))
}
