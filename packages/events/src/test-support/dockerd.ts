import { execFileSync, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, symlinkSync, copyFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"

import type { ChildProcess } from "node:child_process"

import { createEngineApi } from "./engine-api.ts"

import type { EngineApi } from "./engine-api.ts"

/** A dockerd of our own: socket, data root, exec root and pidfile in one temp dir. */
export interface Dockerd {
  host: string
  dir: string
  api: EngineApi
  /** The tiny image every test container runs (busybox imported from a rootfs tar). */
  image: string
  /** That image's rootfs as a tar, for tests that import more images. */
  rootfsTar: Buffer
  /** SIGKILL, like a crash: the event stream breaks without a goodbye and the engine's memory is lost. */
  kill(): Promise<void>
  /** Starts the daemon again on the same dirs and waits until it answers `/_ping`. */
  start(): Promise<void>
  /** Removes every container, stops the daemon, ends what it left running, unmounts and deletes the dir. */
  close(): Promise<void>
}

export type DockerdProbe = { ok: true; dockerd: Dockerd } | { ok: false; reason: string }

const IMAGE = "dockstat-test:latest"

/**
 * Starts a private dockerd for integration tests, or says why it cannot: not root, no dockerd or busybox
 * binary, or the daemon fails to come up or to run a container here. Never throws. Each daemon has its
 * own temp dir (socket, data root, exec root with its containerd, pidfile) and no bridge or iptables
 * rules, so several run side by side (`Promise.all([startDockerd(), startDockerd()])`).
 */
export async function startDockerd(): Promise<DockerdProbe> {
  if (process.env.DOCKSTAT_SKIP_DOCKERD === "1") return { ok: false, reason: "DOCKSTAT_SKIP_DOCKERD=1" }
  if (process.platform !== "linux") return { ok: false, reason: "dockerd needs Linux" }
  if (process.getuid?.() !== 0) return { ok: false, reason: "dockerd needs root" }
  const dockerdBin = findBinary("dockerd")
  if (dockerdBin === undefined) return { ok: false, reason: "no dockerd binary (apt-get install docker.io)" }
  const busybox = findBinary("busybox")
  if (busybox === undefined) return { ok: false, reason: "no busybox binary (apt-get install busybox-static)" }
  // Overlay does not work everywhere (nested overlays, some kernels): vfs, slow but universal, is the
  // fallback. A storage driver named in the environment is the only one tried.
  const drivers = process.env.DOCKSTAT_TEST_STORAGE_DRIVER ? [process.env.DOCKSTAT_TEST_STORAGE_DRIVER] : [undefined, "vfs"]
  const failures: string[] = []
  for (const driver of drivers) {
    // Short: unix socket paths (ours and containerd's inside the exec root) are limited to 108 bytes.
    const dockerd = createDockerd(dockerdBin, mkdtempSync("/tmp/dsd-"), driver)
    try {
      await dockerd.start()
      dockerd.rootfsTar = rootfsTar(dockerd.dir, busybox)
      await importImage(dockerd.api, dockerd.rootfsTar, IMAGE)
      await smokeTest(dockerd.api)
      return { ok: true, dockerd }
    } catch (error) {
      failures.push(`storage driver ${driver ?? "default"}: ${error instanceof Error ? error.message : String(error)}`)
      await dockerd.close().catch(() => {})
    }
  }
  return { ok: false, reason: `dockerd could not run here.\n${failures.join("\n")}` }
}

function createDockerd(binary: string, dir: string, storageDriver: string | undefined): Dockerd {
  const socket = join(dir, "docker.sock")
  const pidfile = join(dir, "docker.pid")
  const host = `unix://${socket}`
  const api = createEngineApi(host)
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  // Last resort if the test process dies without afterAll: do not leave a daemon running.
  const onExit = (): void => void child?.kill("SIGKILL")
  process.once("exit", onExit)

  async function waitForExit(signal: NodeJS.Signals, ms: number): Promise<void> {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const timeout = sleep(ms).then(() => "timeout" as const)
    if ((await Promise.race([exited.then(() => "exited" as const), timeout])) === "timeout") {
      child.kill("SIGKILL")
      await exited
    }
  }

  const dockerd: Dockerd = {
    host,
    dir,
    api,
    image: IMAGE,
    rootfsTar: Buffer.alloc(0),
    async start() {
      // A pidfile left by a killed daemon makes the next one refuse to start.
      rmSync(pidfile, { force: true })
      const log = openSync(join(dir, "dockerd.log"), "a")
      const args = [
        `--data-root=${join(dir, "data")}`,
        `--exec-root=${join(dir, "exec")}`,
        `--pidfile=${pidfile}`,
        `--host=${host}`,
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        ...(storageDriver === undefined ? [] : [`--storage-driver=${storageDriver}`]),
      ]
      const started = spawn(binary, args, { stdio: ["ignore", log, log] })
      closeSync(log)
      child = started
      exited = new Promise((resolve) => started.once("exit", () => resolve()))
      started.once("error", () => {})
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline) {
        if (started.exitCode !== null || started.signalCode !== null) {
          throw new Error(`dockerd exited (${started.exitCode ?? started.signalCode}):\n${tail(join(dir, "dockerd.log"))}`)
        }
        const ping = await api.raw("GET", "/_ping").catch(() => undefined)
        if (ping?.status === 200) return
        await sleep(100)
      }
      throw new Error(`dockerd did not answer /_ping within 30 s:\n${tail(join(dir, "dockerd.log"))}`)
    },
    async kill() {
      await waitForExit("SIGKILL", 10_000)
      // The daemon's containerd dies with it, but where nobody reaps orphans (PID 1 of a micro VM) it
      // stays a zombie: its pid still "exists", and the next daemon would wait for it to answer.
      // It dies a moment after the daemon (parent-death signal), so wait for that; one that lives on
      // (no parent-death signal) is left alone, and the next daemon takes it over.
      const containerdPid = join(dir, "exec", "containerd", "containerd.pid")
      const pid = Number(readText(containerdPid).trim())
      const deadline = Date.now() + 5000
      while (pid > 0 && isAlive(pid) && Date.now() < deadline) await sleep(50)
      if (pid > 0 && !isAlive(pid)) rmSync(containerdPid, { force: true })
    },
    async close() {
      const containers = await api.json<{ Id: string }[]>("GET", "/containers/json?all=1").catch(() => [])
      for (const { Id } of containers) await api.raw("DELETE", `/containers/${Id}?force=1&v=1`).catch(() => {})
      await waitForExit("SIGTERM", 20_000)
      process.removeListener("exit", onExit)
      api.close()
      endLeftovers(dir)
      unmountUnder(dir)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return dockerd
}

/** busybox and a few of its applets as links: all a container of the tests needs. */
function rootfsTar(dir: string, busybox: string): Buffer {
  const rootfs = join(dir, "rootfs")
  mkdirSync(join(rootfs, "bin"), { recursive: true })
  copyFileSync(busybox, join(rootfs, "bin", "busybox"))
  for (const applet of ["sh", "sleep", "true", "echo"]) symlinkSync("busybox", join(rootfs, "bin", applet))
  const tar = execFileSync("tar", ["-C", rootfs, "-cf", "-", "."], { maxBuffer: 64 * 1024 * 1024 })
  rmSync(rootfs, { recursive: true, force: true })
  return tar
}

/** `POST /images/create?fromSrc=-`: the pull of an image without a registry. Returns the image id. */
export async function importImage(api: EngineApi, tar: Buffer, reference: string): Promise<string> {
  const [repo, tag] = reference.split(":") as [string, string]
  const { status, text } = await api.raw("POST", `/images/create?fromSrc=-&repo=${repo}&tag=${tag}`, tar)
  // The engine answers 200 and reports failures inside the progress stream.
  const id = /"status":"(sha256:[0-9a-f]+)"/.exec(text)?.[1]
  if (status !== 200 || id === undefined) throw new Error(`image import failed (${status}): ${text.slice(0, 300)}`)
  return id
}

/** One container through create, start and remove: proves this machine can run containers at all. */
async function smokeTest(api: EngineApi): Promise<void> {
  const { Id } = await api.json<{ Id: string }>("POST", "/containers/create", containerSpec({ cmd: ["true"] }))
  try {
    await api.json("POST", `/containers/${Id}/start`)
    await api.json("POST", `/containers/${Id}/wait`)
  } finally {
    await api.raw("DELETE", `/containers/${Id}?force=1`)
  }
}

/** The body of `POST /containers/create` for a test container: no network, an init that forwards SIGTERM. */
export function containerSpec(options: { cmd?: string[]; labels?: Record<string, string>; restartAlways?: boolean } = {}): Record<string, unknown> {
  return {
    Image: IMAGE,
    Cmd: options.cmd ?? ["sleep", "3600"],
    Labels: options.labels ?? {},
    HostConfig: {
      NetworkMode: "none",
      // busybox sleep as PID 1 ignores SIGTERM, so every stop would wait for its timeout; an init
      // passes the signal on and a stop takes milliseconds.
      Init: true,
      ...(options.restartAlways ? { RestartPolicy: { Name: "always" } } : {}),
    },
  }
}

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin"]
  return dirs.map((dir) => join(dir, name)).find((path) => path !== name && existsSync(path))
}

/**
 * Ends what the daemon started and left running: containerd and shims (their command line names our
 * dir) and container processes (their cgroup names one of our containers), e.g. after a failed restart
 * when the daemon could no longer remove its containers itself.
 */
function endLeftovers(dir: string): void {
  let containerIds: string[] = []
  try {
    containerIds = readdirSync(join(dir, "data", "containers"))
  } catch {
    // No container was ever created.
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    const cmdline = readText(`/proc/${entry}/cmdline`)
    const cgroup = containerIds.length > 0 ? readText(`/proc/${entry}/cgroup`) : ""
    if (cmdline.includes(dir) || containerIds.some((id) => cgroup.includes(`/docker/${id}`))) {
      try {
        process.kill(Number(entry), "SIGKILL")
      } catch {
        // Already gone.
      }
    }
  }
}

/** The daemon bind-mounts its data root and container rootfs under our dir; rm -rf would hit EBUSY. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length)
  for (const point of mounts) spawnSync("umount", ["-l", point])
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return ""
  }
}

/** Running, as opposed to gone or a zombie (which `kill(pid, 0)` would still report as existing). */
function isAlive(pid: number): boolean {
  const stat = readText(`/proc/${pid}/stat`)
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
  return stat !== "" && state !== "Z" && state !== "X"
}

function tail(path: string): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-8).join("\n")
  } catch {
    return ""
  }
}
