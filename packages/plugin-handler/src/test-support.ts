import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach } from "vitest"

import type { AddressInfo } from "node:net"

/** A fresh temp dir per test, removed afterwards. */
export function useTempDir(): () => string {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "dockstat-handler-"))
    dirs.push(dir)
    return dir
  }
}

/** The seed's `savePlugin` input around some plugin code. */
export function pluginInput(name: string, code: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    version: "1.0.0",
    repository: "https://github.com/user/plugin",
    manifest: "https://github.com/user/plugin/manifest.json",
    author: { name: "Developer", email: "dev@example.com" },
    tags: ["monitoring", "alerts"],
    repoType: "github" as const,
    plugin: code,
    ...extra,
  }
}

/** A loopback HTTP server answering each path from a table of files; closed after the test. */
export async function serveFiles(files: Record<string, { body: string; type?: string }>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://x").pathname]
    if (!file) {
      response.writeHead(404).end("not found")
      return
    }
    response.writeHead(200, { "content-type": file.type ?? "application/json" }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * Watches the event loop: `stop()` returns the longest gap between two 10 ms ticks, i.e. the longest the
 * host's thread was kept from its event loop meanwhile.
 */
export function watchEventLoop(): { stop(): number } {
  let worst = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last)
    last = now
  }, 10)
  return {
    stop() {
      clearInterval(ticker)
      return worst
    },
  }
}

/**
 * The runtimes a test covers on this host: every one on Node; on Bun the worker runtime refuses to load
 * by design (`bun-runtime.bun.test.ts` checks that it does, naming why), so a suite that also runs on
 * Bun covers the others there.
 * @example describe.each(runtimesOnThisHost<RuntimeKind>(["inline", "worker", "sandbox"]))("... %s", ...)
 */
export function runtimesOnThisHost<T extends string>(runtimes: readonly T[]): T[] {
  return process.versions.bun === undefined ? [...runtimes] : runtimes.filter((runtime) => runtime !== "worker")
}
