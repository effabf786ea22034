import { readFileSync, writeFileSync } from "node:fs"

import { afterAll, describe, expect, it } from "vitest"

import { decodeEngineEvent } from "./engine-event.ts"
import { importImage, startDockerd } from "./test-support/dockerd.ts"
import { createDockerdHarness, fixtureUrl, linesAbout, RECORDING, runStep } from "./test-support/dockerd-harness.ts"
import { CONTRACT_LABELS, LIFECYCLE } from "./test-support/engine-harness.ts"
import { runSourceContract } from "./test-support/source-contract.ts"

import type { Dockerd } from "./test-support/dockerd.ts"

// Starting the daemon decides whether this file runs at all: a machine that cannot run dockerd skips
// these tests with the reason printed, it does not fail.
const probe = await startDockerd()
if (!probe.ok) console.warn(`Skipping the real Docker engine tests: ${probe.reason}`)
const dockerd = (probe.ok ? probe.dockerd : undefined) as Dockerd

describe.skipIf(!probe.ok)("against a real dockerd", () => {
  afterAll(async () => {
    await dockerd.close()
  })

  runSourceContract({ name: "real dockerd", setup: async () => createDockerdHarness(dockerd) })

  it("emits what the recorded fixtures hold (DOCKSTAT_RECORD_FIXTURES=1 records them anew)", async () => {
    const { api } = dockerd
    const t0 = await api.now()

    const name = "dockstat-fixture"
    const { Id } = await api.json<{ Id: string }>("POST", `/containers/create?name=${name}`, {
      Image: dockerd.image,
      Cmd: ["sleep", "3600"],
      Labels: CONTRACT_LABELS,
      HostConfig: { NetworkMode: "none", Init: true },
    })
    let inspect = ""
    for (const [step] of LIFECYCLE.slice(1)) {
      if (step === "create") continue
      await runStep(dockerd, Id, step, name)
      if (step === "start" && inspect === "") inspect = (await api.raw("GET", `/containers/${Id}/json`)).text
    }

    const imageId = await importImage(api, dockerd.rootfsTar, "dockstat-fixture:v1")
    await api.json("POST", "/images/dockstat-fixture:v1/tag?repo=dockstat-fixture&tag=v2")
    await api.json("DELETE", "/images/dockstat-fixture:v2")
    await api.json("DELETE", "/images/dockstat-fixture:v1")

    await api.json("POST", "/volumes/create", { Name: "dockstat-fixture-volume", Labels: { "com.dockstat.test": "fixture" } })
    await api.raw("DELETE", "/volumes/dockstat-fixture-volume")
    await api.json("POST", "/networks/create", { Name: "dockstat-fixture-network", Driver: "bridge" })
    await api.raw("DELETE", "/networks/dockstat-fixture-network")

    const text = await api.historyText(t0, await api.now())
    const recorded = {
      "container-lifecycle.jsonl": linesAbout(text, (event) => event.Actor.ID === Id || event.Actor.Attributes?.container === Id),
      "images.jsonl": linesAbout(text, (event) => event.Type === "image" && (event.Actor.ID === imageId || (event.Actor.Attributes?.name ?? "").startsWith("dockstat-fixture"))),
      "volumes-networks.jsonl": linesAbout(text, (event) => (event.Type === "volume" || event.Type === "network") && event.Actor.Attributes?.container === undefined),
    }
    if (RECORDING) {
      for (const [file, lines] of Object.entries(recorded)) writeFileSync(fixtureUrl(file), `${lines.join("\n")}\n`)
      writeFileSync(fixtureUrl("container-inspect.json"), `${JSON.stringify(JSON.parse(inspect), null, 2)}\n`)
    }
    const actions = (lines: readonly string[]) => lines.map((line) => {
      const { event } = decodeEngineEvent(line)
      return `${event.Type} ${event.Action.split(":")[0]}`
    })
    for (const [file, lines] of Object.entries(recorded)) {
      const fixture = readFileSync(fixtureUrl(file), "utf8").split("\n").filter((line) => line.trim() !== "")
      expect(actions(lines), `${file} (re-record with DOCKSTAT_RECORD_FIXTURES=1 if the engine changed)`).toEqual(actions(fixture))
    }
  })
})
