import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach } from "vitest"

/** A fresh temp directory per test, removed afterwards; returns a DB file path inside it. */
export function useTempDbPath(): () => string {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "dockstat-store-"))
    dirs.push(dir)
    return join(dir, "app.db")
  }
}
