import { randomBytes } from "node:crypto"

import { hookForDockerEvent } from "@dockstat/plugin-schema"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"

import { createDockerEventSource } from "../docker-event-source.ts"
import { CONTRACT_LABELS, LIFECYCLE } from "./engine-harness.ts"
import { waitFor } from "./wait-for.ts"

import type { DockerDelivery, DockerEventSource } from "../docker-event-source.ts"
import type { DecodedEngineEvent } from "../engine-event.ts"
import type { EngineHarness } from "./engine-harness.ts"

export interface SourceContractOptions {
  name: string
  setup: () => Promise<EngineHarness>
  teardown?: () => Promise<void>
}

interface Recorder {
  deliveries: DockerDelivery[]
  warnings: string[]
  source: DockerEventSource
}

/**
 * The one behaviour suite of the Docker event source. It runs against every engine implementation (the
 * real dockerd and the imitation replaying recorded streams): what passes here holds for both.
 */
export function runSourceContract({ name, setup, teardown }: SourceContractOptions): void {
  describe(`Docker event source contract: ${name}`, () => {
    let harness: EngineHarness
    const sources: DockerEventSource[] = []

    beforeAll(async () => {
      harness = await setup()
    })
    afterEach(async () => {
      await Promise.all(sources.splice(0).map((source) => source.stop()))
    })
    afterAll(async () => {
      await teardown?.()
    })

    async function startRecorder(): Promise<Recorder> {
      const deliveries: DockerDelivery[] = []
      const warnings: string[] = []
      const log = () => {}
      const source = createDockerEventSource({
        host: harness.host,
        deliver: (delivery) => void deliveries.push(delivery),
        logger: { debug: log, info: log, error: log, warn: (_details: unknown, message?: unknown) => void warnings.push(String(message)) },
        backoff: { initialMs: 50, maxMs: 500 },
      })
      sources.push(source)
      source.start()
      await waitFor(() => source.status().connected, "the source to connect")
      return { deliveries, warnings, source }
    }

    const containerHooks = (deliveries: readonly DockerDelivery[], id: string) =>
      deliveries.filter((delivery) => delivery.event.Type === "container" && delivery.event.Actor.ID === id)

    it("delivers each step of a container's life once, in order, with the container's details", async () => {
      const { deliveries, source } = await startRecorder()
      const name = uniqueName("life")
      let id = ""
      let seen = 0
      let renamed = false
      for (const [step, hooks, state] of LIFECYCLE) {
        if (step === "rename") renamed = true
        if (step === "create") id = await harness.createContainer({ name, labels: { ...CONTRACT_LABELS } })
        else await harness.step(id, step)
        await waitFor(() => containerHooks(deliveries, id).length >= seen + hooks.length, `the hooks of "${step}"`)
        const fired = containerHooks(deliveries, id).slice(seen, seen + hooks.length)
        seen += hooks.length
        expect(fired.map((delivery) => delivery.hook), `hooks of "${step}"`).toEqual(hooks)
        const last = fired.at(-1)?.payload.container as Record<string, unknown>
        expect(last, `container after "${step}"`).toMatchObject({
          id,
          name: renamed ? `${name}-renamed` : name,
          image: harness.image,
          state,
          labels: expect.objectContaining(CONTRACT_LABELS),
        })
      }
      for (const delivery of containerHooks(deliveries, id)) {
        expect(delivery.payload.event).toBe(delivery.event)
        expect(delivery.hook).toBe(hookForDockerEvent(delivery.event.Type, delivery.event.Action))
      }
      expect(source.status()).toMatchObject({ connected: true, host: harness.host, reconnects: 0, lastError: null, failed: 0 })
      expect(source.status().delivered).toBeGreaterThanOrEqual(seen)
      expect(source.status().lastEventAt).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    })

    it("loses and repeats no event across an engine restart, and logs the outage once", async () => {
      const { deliveries, warnings, source } = await startRecorder()
      const t0 = await harness.now()
      const always = await harness.createContainer({ name: uniqueName("always"), restartAlways: true })
      await harness.step(always, "start")
      const plain = await harness.createContainer({ name: uniqueName("plain") })
      await harness.step(plain, "start")
      await waitFor(() => containerHooks(deliveries, plain).some((delivery) => delivery.hook === "onContainerStart"), "the start of the plain container")
      const before = await harness.history(t0, await harness.now())

      let fresh = ""
      await harness.restartEngine(async () => {
        fresh = await harness.createContainer({ name: uniqueName("fresh") })
        await harness.step(fresh, "start")
      })
      const after = await harness.history(t0, await harness.now())

      // A real engine forgets its history when it restarts: the record is what it said before plus after.
      const expected = union(before, after).filter(({ event }) => hookForDockerEvent(event.Type, event.Action) !== undefined).map(keyOfDecoded)
      const delivered = () => deliveries.filter((delivery) => BigInt(delivery.timeNano) >= t0).map(keyOfDelivery)
      await waitFor(() => expected.every((key) => delivered().includes(key)), "every event of the engine's record")
      expect(delivered()).toEqual(expected)

      const startsOf = (id: string) => containerHooks(deliveries, id).filter((delivery) => delivery.hook === "onContainerStart").length
      expect(startsOf(always), "the restart-always container started again after the restart").toBe(2)
      expect(startsOf(fresh), "the container started right after the restart").toBe(1)
      expect(source.status()).toMatchObject({ connected: true, reconnects: 1 })
      expect(source.status().lastError).toEqual(expect.any(String))
      expect(warnings).toHaveLength(1)
    })

    it("stops cleanly: the stream closes and no socket or timer of the source stays open", async () => {
      const baseline = openHandles()
      const { deliveries, source } = await startRecorder()
      const id = await harness.createContainer({ name: uniqueName("stop") })
      await harness.step(id, "remove")
      await waitFor(() => containerHooks(deliveries, id).some((delivery) => delivery.hook === "onContainerDestroy"), "the destroy event")
      await source.stop()
      expect(source.status().connected).toBe(false)
      await waitFor(() => openHandles() <= baseline, "the source's handles to close")
    })
  })
}

/** Sockets and timers that keep the process alive (unref'd ones do not count: they cannot hang it). */
function openHandles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "PipeWrap" || kind === "TCPSocketWrap" || kind === "TCPWrap" || kind === "Timeout").length
}

function uniqueName(role: string): string {
  return `dockstat-${role}-${randomBytes(3).toString("hex")}`
}

function union(first: readonly DecodedEngineEvent[], second: readonly DecodedEngineEvent[]): DecodedEngineEvent[] {
  const keys = new Set(first.map((decoded) => decoded.key))
  return [...first, ...second.filter((decoded) => !keys.has(decoded.key))]
}

function keyOfDecoded({ event, timeNano }: DecodedEngineEvent): string {
  return `${timeNano} ${event.Type} ${event.Action} ${event.Actor.ID}`
}

function keyOfDelivery({ event, timeNano }: DockerDelivery): string {
  return `${timeNano} ${event.Type} ${event.Action} ${event.Actor.ID}`
}
