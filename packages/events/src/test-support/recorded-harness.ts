import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"

import { decodeEngineEvent } from "../engine-event.ts"
import { createLineDecoder } from "../json-lines.ts"
import { createEngineApi } from "./engine-api.ts"
import { LIFECYCLE, STEP_END_ACTION } from "./engine-harness.ts"
import { createRecordedEngine } from "./recorded-engine.ts"

import type { ContainerStep, EngineHarness } from "./engine-harness.ts"
import type { Chunking, RecordedEngine } from "./recorded-engine.ts"

/** Reads a fixture of `packages/events/fixtures` as the engine's raw lines. */
export function fixtureLines(name: string): string[] {
  const lines = createLineDecoder()
  const text = readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8")
  return [...lines.push(text), ...lines.end()]
}

/** Reads a JSON fixture (a recorded inspect answer). */
export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8")) as T
}

interface Segment {
  step: ContainerStep | "create"
  lines: string[]
}

interface Replayed {
  name: string
  position: number
  restartAlways: boolean
  running: boolean
}

export interface RecordedHarness extends EngineHarness {
  engine: RecordedEngine
  close(): Promise<void>
}

/**
 * The contract's engine, made of recorded streams: each container operation replays the events the real
 * engine emitted for it (fixtures/container-lifecycle.jsonl), with fresh ids, names and times; an engine
 * restart replays what the real engine did on restart (fixtures/engine-restart.jsonl).
 */
export async function createRecordedHarness(options: { chunking?: Chunking } = {}): Promise<RecordedHarness> {
  const inspectTemplate = fixtureJson<Record<string, unknown>>("container-inspect.json")
  const engine = await createRecordedEngine({ inspectTemplate, ...(options.chunking === undefined ? {} : { chunking: options.chunking }) })
  const api = createEngineApi(engine.host)
  const lifecycle = lifecycleSegments(fixtureLines("container-lifecycle.jsonl"))
  const restart = fixtureLines("engine-restart.jsonl")
  const containers = new Map<string, Replayed>()

  const replay = (lines: readonly string[], replacements: readonly (readonly [string, string])[]): string[] =>
    lines.map((line) => replacements.reduce((text, [from, to]) => text.replaceAll(from, to), line))

  function emitSegment(id: string, step: ContainerStep | "create"): void {
    const container = containers.get(id)
    if (container === undefined) throw new Error(`No container ${id} in the recorded engine`)
    const index = findSegment(lifecycle.segments, step, container.position)
    container.position = index + 1
    const segment = lifecycle.segments[index] as Segment
    engine.emit(
      replay(segment.lines, [
        [lifecycle.id, id],
        [lifecycle.renamed, `${container.name}-renamed`],
        [lifecycle.name, container.name],
      ]),
    )
    if (step === "start" || step === "restart" || step === "unpause") container.running = true
    if (step === "stop" || step === "kill") container.running = false
  }

  const harness: RecordedHarness = {
    host: engine.host,
    image: lifecycle.image,
    engine,
    async createContainer({ name, restartAlways = false }) {
      const id = randomBytes(32).toString("hex")
      containers.set(id, { name, position: 0, restartAlways, running: false })
      emitSegment(id, "create")
      return id
    },
    async step(id, step) {
      emitSegment(id, step)
    },
    async restartEngine(whenBack) {
      await engine.goAway()
      await engine.comeBack()
      // What the real engine did right after its restart, for our running containers by their role
      // (restart policy always, or none): emitted before the source could reconnect.
      const roles = restartRoles(restart)
      const replacements: [string, string][] = []
      for (const [id, container] of containers) {
        if (!container.running) continue
        const recorded = container.restartAlways ? roles.always : roles.plain
        replacements.push([recorded.id, id], [recorded.name, container.name])
        container.running = container.restartAlways
      }
      const wanted = new Set(replacements.map(([, to]) => to))
      engine.emit(replay(restart, replacements).filter((line) => [...wanted].some((id) => line.includes(id))))
      await whenBack()
    },
    now: async () => engine.now(),
    history: (since, until) => api.history(since, until),
    async close() {
      api.close()
      await engine.close()
    },
  }
  return harness
}

function findSegment(segments: readonly Segment[], step: ContainerStep | "create", from: number): number {
  const next = segments.findIndex((segment, index) => index >= from && segment.step === step)
  const index = next === -1 ? segments.findIndex((segment) => segment.step === step) : next
  if (index === -1) throw new Error(`The recorded lifecycle has no "${step}" step`)
  return index
}

/** Cuts the recorded lifecycle into the contract's steps: each ends with its last container event. */
function lifecycleSegments(lines: readonly string[]): { id: string; name: string; renamed: string; image: string; segments: Segment[] } {
  const events = lines.map((line) => ({ line, event: decodeEngineEvent(line).event }))
  const created = events.find(({ event }) => event.Type === "container" && event.Action === "create")?.event
  const renamedEvent = events.find(({ event }) => event.Type === "container" && event.Action === "rename")?.event
  if (created === undefined || renamedEvent === undefined) throw new Error("container-lifecycle.jsonl lacks a create or rename event")
  const segments: Segment[] = []
  let current: string[] = []
  for (const { line, event } of events) {
    const isContainer = event.Type === "container"
    // Events of other types right after a step's last container event (network disconnect after die)
    // are replayed with that step.
    if (!isContainer && current.length === 0 && segments.length > 0) {
      ;(segments.at(-1) as Segment).lines.push(line)
      continue
    }
    current.push(line)
    const entry = LIFECYCLE[segments.length]
    if (entry !== undefined && isContainer && event.Action === STEP_END_ACTION[entry[0]]) {
      segments.push({ step: entry[0], lines: current })
      current = []
    }
  }
  if (segments.length !== LIFECYCLE.length) throw new Error(`container-lifecycle.jsonl has ${segments.length} of ${LIFECYCLE.length} steps`)
  return {
    id: created.Actor.ID,
    name: created.Actor.Attributes?.name ?? "",
    renamed: renamedEvent.Actor.Attributes?.name ?? "",
    image: created.Actor.Attributes?.image ?? "",
    segments,
  }
}

/** The recorded restart has a container with restart policy always (it starts again) and one without. */
function restartRoles(lines: readonly string[]): { always: { id: string; name: string }; plain: { id: string; name: string } } {
  const containers = new Map<string, { name: string; started: boolean }>()
  for (const line of lines) {
    const { event } = decodeEngineEvent(line)
    if (event.Type !== "container") continue
    const entry = containers.get(event.Actor.ID) ?? { name: event.Actor.Attributes?.name ?? "", started: false }
    if (event.Action === "start") entry.started = true
    containers.set(event.Actor.ID, entry)
  }
  const all = [...containers].map(([id, { name, started }]) => ({ id, name, started }))
  const always = all.find((entry) => entry.started)
  const plain = all.find((entry) => !entry.started)
  if (always === undefined || plain === undefined) throw new Error("engine-restart.jsonl needs one container that restarts and one that does not")
  return { always, plain }
}
