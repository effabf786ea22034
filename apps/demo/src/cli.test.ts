import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DB } from "@dockstat/plugin-handler"

import { CLI_OPTIONS } from "./cli-options.ts"
import { notesManifestJson, notesManifestYaml } from "./test-support/notes-plugin.ts"
import { createTempDir } from "./test-support/temp-dir.ts"

const DEMO_DIR = fileURLToPath(new URL("..", import.meta.url))
const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url))
const BIN = fileURLToPath(new URL("../bin/dockstat-plugins.mjs", import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs a command as its own process and never throws on exit codes. */
function exec(file: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: { ...process.env, LOG_LEVEL: "", INIT_CWD: "", ...env }, timeout: 50_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

/** The CLI's bin (`dockstat-plugins ...args`, what `pnpm exec dockstat-plugins` runs) under node. */
function cli(args: string[], env: Record<string, string>, cwd = DEMO_DIR): Promise<Run> {
  return exec(process.execPath, [BIN, ...args], env, cwd)
}

describe("demo CLI (separate processes, real database file)", { timeout: 60_000 }, () => {
  const temp = createTempDir()
  const env = { DOCKSTAT_DB: temp.file("cli.db") }

  beforeAll(() => {
    writeFileSync(temp.file("notes.json"), notesManifestJson("cli-notes", "cli_notes"))
    writeFileSync(temp.file("notes.yaml"), notesManifestYaml("cli-yaml", "cli_yaml"))
    writeFileSync(temp.file("broken.json"), JSON.stringify({ name: "broken", version: "1.0.0" }))
  })

  afterAll(() => temp.remove())

  it("--help lists every command and says the CLI does not change a running server", async () => {
    const run = await cli(["--help"], env)
    expect(run.code).toBe(0)
    for (const command of ["list", "install <url|file> [--update]", "load <id>", "unload <id>", "remove <id> [--drop-table]", "routes <id>"]) {
      expect(run.stdout).toContain(command)
    }
    expect(run.stdout).toContain("separate process")
  })

  it("--help lists every flag the CLI accepts under Options", async () => {
    const run = await cli(["--help"], env)
    const options = run.stdout.slice(run.stdout.indexOf("\nOptions:\n"), run.stdout.indexOf("\n\n", run.stdout.indexOf("\nOptions:\n") + 1))
    expect(Object.keys(CLI_OPTIONS)).toEqual(["help", "update", "drop-table", "runtime", "dir", "inline"])
    for (const [flag, option] of Object.entries(CLI_OPTIONS)) {
      expect(options).toMatch(new RegExp(`^  ${"short" in option ? `-${option.short}, ` : ""}--${flag} `, "m"))
    }
  })

  it("lists nothing on a fresh database", async () => {
    const run = await cli(["list"], env)
    expect(run).toMatchObject({ code: 0, stdout: "No plugins installed.\n" })
  })

  it("installs from a manifest file, printing each step and the new id", async () => {
    const run = await cli(["install", temp.file("notes.json")], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const lines = run.stdout.split("\n")
    expect(lines[0]).toBe(`Fetching ${temp.file("notes.json")}…`)
    expect(lines[1]).toMatch(/^Validating cli-notes@1\.0\.0/)
    expect(lines[2]).toBe("Installed cli-notes@1.0.0 (id 1)")
    expect(run.stdout).toMatch(/POST\s+\/notes\s+\/api\/v2\/plugins\/1\/routes\/notes/)

    const db = new DB(env.DOCKSTAT_DB)
    try {
      expect(db.query("SELECT id, name FROM plugins").all()).toEqual([{ id: 1, name: "cli-notes" }])
    } finally {
      db.close()
    }
  })

  it("takes a relative file from the directory pnpm was run in (INIT_CWD)", async () => {
    const run = await cli(["install", "notes.yaml"], { ...env, INIT_CWD: temp.path })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("Installed cli-yaml@1.0.0 (id 2)")
  })

  it("lists the installed plugins as a table", async () => {
    const run = await cli(["list"], env)
    expect(run.code).toBe(0)
    const [header, ...rows] = run.stdout.trimEnd().split("\n")
    expect(header).toMatch(/^ID\s+NAME\s+VERSION\s+TYPE\s+REPOSITORY\s+ENABLED\s+RUNTIME\s+UPDATED\s+PERMISSIONS$/)
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatch(/^1\s+cli-notes\s+1\.0\.0\s+default\s+.*\snone$/)
    expect(rows[1]).toMatch(/^2\s+cli-yaml\s+1\.0\.0\s+local\s+.*\snone$/)
  })

  it("fails with exit code 1 and the reason for a second install of the same name", async () => {
    const run = await cli(["install", temp.file("notes.json")], env)
    expect(run.code).toBe(1)
    // One line, and the advice given once, in the CLI's terms (the handler's own message has advice too).
    expect(run.stderr).toMatch(/^Install failed \(conflict\): A plugin named "cli-notes" is already installed[^\n]*; use --update to replace it\n$/)
    const count = (text: string) => run.stderr.split(text).length - 1
    expect([count("already installed"), count("update"), count("replace")]).toEqual([1, 1, 1])
  })

  it("replaces the plugin with --update, keeping its id", async () => {
    const run = await cli(["install", temp.file("notes.json"), "--update"], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("Updated cli-notes@1.0.0 (id 1)")
  })

  it("fails with exit code 1 and the validator's message for a bad manifest", async () => {
    const run = await cli(["install", temp.file("broken.json")], env)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/Install failed \(validation\): .*plugin/)
  })

  it("loads a plugin to check it, and prints its routes", async () => {
    const load = await cli(["load", "1"], env)
    expect(load.code).toBe(0)
    expect(load.stdout).toContain("Loaded cli-notes@1.0.0 (id 1)")
    expect(load.stdout).toContain("Table: cli_notes")
    expect(load.stdout).toContain("/api/v2/plugins/1/activate")

    const routes = await cli(["routes", "1"], env)
    expect(routes.code).toBe(0)
    expect(routes.stdout).toMatch(/GET\s+\/notes\/all\s+\/api\/v2\/plugins\/1\/routes\/notes\/all\s+list/)
  })

  it("explains that unload only matters in a running server", async () => {
    const run = await cli(["unload", "1"], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("separate process")
    expect(run.stdout).toContain("POST /api/v2/plugins/1/deactivate")
  })

  it("removes a plugin, dropping its table only with --drop-table", async () => {
    const keep = await cli(["remove", "1"], env)
    expect(keep.code).toBe(0)
    expect(keep.stdout).toContain("Removed cli-notes (id 1).")

    const drop = await cli(["remove", "2", "--drop-table"], env)
    expect(drop.code).toBe(0)
    expect(drop.stdout).toContain("Its table was dropped.")

    const db = new DB(env.DOCKSTAT_DB)
    try {
      expect(db.tableExists("cli_notes")).toBe(true)
      expect(db.tableExists("cli_yaml")).toBe(false)
    } finally {
      db.close()
    }
    expect((await cli(["list"], env)).stdout).toBe("No plugins installed.\n")
  })

  it("exits 1 with a message on stderr for an unknown plugin", async () => {
    const missing = await cli(["remove", "7"], env)
    expect(missing).toMatchObject({ code: 1, stdout: "" })
    expect(missing.stderr).toContain("No plugin with id 7")
  })

  it("exits 2 with a message on stderr for bad usage", async () => {
    const [badId, unknown, badFlag, noArgs] = await Promise.all([
      cli(["load", "abc"], env),
      cli(["frobnicate"], env),
      cli(["list", "--drop-table"], env),
      cli([], env),
    ])
    expect(badId.code).toBe(2)
    expect(badId.stderr).toContain('"abc"')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Unknown command "frobnicate"')
    expect(badFlag.code).toBe(2)
    expect(badFlag.stderr).toContain('--drop-table applies to "remove" only')
    expect(noArgs.code).toBe(2)
    expect(noArgs.stderr).toContain("No command given")
  })
})

describe("demo CLI: permissions and re-signing", { timeout: 180_000 }, () => {
  const temp = createTempDir()
  const env = { DOCKSTAT_DB: temp.file("permissions.db") }
  afterAll(() => temp.remove())

  it("lists what a plugin declared, and re-signs an install from before keyed digests", async () => {
    const manifest = JSON.parse(notesManifestJson("asks", "asks_notes")) as Record<string, unknown>
    writeFileSync(temp.file("asks.json"), JSON.stringify({ ...manifest, permissions: { network: ["API.example.com"], env: ["API_TOKEN"] } }))
    expect((await cli(["install", temp.file("asks.json")], env)).code).toBe(0)
    const list = await cli(["list"], env)
    expect(list.stdout.trimEnd().split("\n")[1]).toMatch(/^1\s+asks\s+.*\snetwork=api\.example\.com;env=API_TOKEN$/)

    // Make it look like an install from before keyed digests: no permissions, the plain sha256 of its code.
    const db = new DB(env.DOCKSTAT_DB)
    const { plugin } = db.query("SELECT plugin FROM plugins WHERE id = 1").get() as { plugin: string }
    db.query(`UPDATE plugins SET permissions = '{"network":[],"env":[]}', digest = ? WHERE id = 1`).run(createHash("sha256").update(plugin).digest("hex"))
    db.close()
    const refused = await cli(["load", "1"], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/unkeyed sha256 .*dockstat-plugins resign/)
    const resign = await cli(["resign"], env)
    expect(resign).toMatchObject({ code: 0, stdout: "Re-signed asks (id 1)\n" })
    expect((await cli(["load", "1"], env)).code).toBe(0)
  })
})

describe("demo CLI through pnpm exec from the repository root, as the README runs it", { timeout: 60_000 }, () => {
  const temp = createTempDir()
  const env = { DOCKSTAT_DB: temp.file("exec.db") }
  afterAll(() => temp.remove())
  const pnpmExec = (args: string[]) => exec("pnpm", ["exec", "dockstat-plugins", ...args], env, REPO_ROOT)

  it("keeps the CLI's exit codes and output exactly: no package-manager noise", async () => {
    const [usage, failure, ok] = await Promise.all([pnpmExec(["load", "abc"]), pnpmExec(["remove", "7"]), pnpmExec(["list"])])
    expect(usage).toEqual({ code: 2, stdout: "", stderr: 'A plugin id is a positive integer, got "abc"\n' })
    expect(failure).toEqual({ code: 1, stdout: "", stderr: "No plugin with id 7; see dockstat-plugins list\n" })
    expect(ok).toEqual({ code: 0, stdout: "No plugins installed.\n", stderr: "" })
  })
})

describe("demo CLI: runtime and enabled state", { timeout: 120_000 }, () => {
  const temp = createTempDir()
  const env = { DOCKSTAT_DB: temp.file("state.db") }
  afterAll(() => temp.remove())

  it("install --runtime stores the admin's choice; deactivate and activate persist; list shows both", async () => {
    writeFileSync(temp.file("notes.json"), notesManifestJson("trusted", "trusted_notes"))
    const [badRuntime, wrongCommand] = await Promise.all([cli(["install", temp.file("notes.json"), "--runtime", "root"], env), cli(["list", "--runtime", "inline"], env)])
    expect(badRuntime.code).toBe(2)
    expect(wrongCommand.stderr).toContain('--runtime applies to "install" and "dev" only')
    const install = await cli(["install", temp.file("notes.json"), "--runtime", "worker"], env)
    expect(install.stderr).toBe("")
    expect(install.code).toBe(0)
    const row = () => cli(["list"], env).then((run) => run.stdout.trimEnd().split("\n")[1])

    const off = await cli(["deactivate", "1"], env)
    expect(off.code).toBe(0)
    expect(off.stdout).toContain("a server skips it when it starts")
    expect(await row()).toMatch(/^1\s+trusted\s+.*\sno\s+worker\s/)

    const on = await cli(["activate", "1"], env)
    expect(on.code).toBe(0)
    expect(on.stdout).toContain("Activated trusted@1.0.0 (id 1, worker runtime)")
    expect(await row()).toMatch(/\syes\s+worker\s/)
  })
})
