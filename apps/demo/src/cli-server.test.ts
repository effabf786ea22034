/**
 * The CLI and a running server agree (issue 16): each CLI command against the database of a running
 * server reaches the server through the registry's change feed. Both are real processes; the server is
 * asked over HTTP.
 */
import { writeFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { startDemoProcess } from "./test-support/demo-process.ts"
import type { DemoProcess } from "./test-support/demo-process.ts"
import { notesManifestJson } from "./test-support/notes-plugin.ts"
import { runCli } from "./test-support/run-cli.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

/** Version 2 of the notes plugin: the same table and routes, plus `/notes/version`. */
function notesV2Manifest(): string {
  const manifest = JSON.parse(notesManifestJson("cli-notes", "cli_notes")) as { version: string; plugin: string }
  manifest.version = "2.0.0"
  manifest.plugin = manifest.plugin
    .replace(`"/notes/all": { method: "GET", actions: ["list"] },`, `"/notes/all": { method: "GET", actions: ["list"] },\n      "/notes/version": { method: "GET", actions: ["version"] },`)
    .replace("list: ({ table }) => table.select([\"*\"]).all(),", "list: ({ table }) => table.select([\"*\"]).all(),\n      version: () => \"2\",")
  if (!manifest.plugin.includes('version: () => "2"')) throw new Error("the v2 manifest was not built")
  return JSON.stringify(manifest)
}

describe("the CLI against the database of a running server", { timeout: 240_000 }, () => {
  const temp = createTempDir()
  const env = { DOCKSTAT_DB: temp.file("served.db") }
  let server: DemoProcess

  beforeAll(async () => {
    server = await startDemoProcess({ ...env, DOCKSTAT_DOCKER_EVENTS: "off" })
  }, 300_000)

  afterAll(async () => {
    await server?.stop()
    temp.remove()
  })

  const status = async (path: string) => (await fetch(`${server.url}/api/v2/plugins${path}`)).status
  const loadedVersion = async (id: number) =>
    ((await (await fetch(`${server.url}/api/v2/plugins`)).json()) as { loaded_plugins: { id: number; version: string }[] }).loaded_plugins.find((plugin) => plugin.id === id)?.version

  it("install, update, deactivate, activate and remove each reach the server within seconds", async () => {
    writeFileSync(temp.file("notes.json"), notesManifestJson("cli-notes", "cli_notes"))
    writeFileSync(temp.file("notes-v2.json"), notesV2Manifest())

    const install = await runCli(["install", temp.file("notes.json")], env)
    expect(install.stderr).toBe("")
    expect(install.code).toBe(0)
    const id = Number(/\(id (\d+)\)/.exec(install.stdout)?.[1])
    expect(id).toBeGreaterThan(0)
    await expect.poll(() => status(`/${id}/routes/notes/all`), { timeout: 30_000 }).toBe(200)
    expect(await status(`/${id}/routes/notes/version`)).toBe(404)

    const update = await runCli(["install", temp.file("notes-v2.json"), "--update"], env)
    expect(update.code).toBe(0)
    await expect.poll(() => status(`/${id}/routes/notes/version`), { timeout: 30_000 }).toBe(200)
    expect(await (await fetch(`${server.url}/api/v2/plugins/${id}/routes/notes/version`)).json()).toBe("2")
    expect(await loadedVersion(id)).toBe("2.0.0")

    expect((await runCli(["deactivate", String(id)], env)).code).toBe(0)
    await expect.poll(() => status(`/${id}/routes/notes/all`), { timeout: 30_000 }).toBe(503)

    expect((await runCli(["activate", String(id)], env)).code).toBe(0)
    await expect.poll(() => status(`/${id}/routes/notes/all`), { timeout: 30_000 }).toBe(200)

    expect((await runCli(["remove", String(id)], env)).code).toBe(0)
    await expect.poll(() => status(`/${id}/routes/notes/all`), { timeout: 30_000 }).toBe(404)
    expect(await loadedVersion(id)).toBeUndefined()
  })
})
