import { existsSync } from "node:fs"
import { chromium } from "playwright-core"

import type { BrowserContext, Page } from "playwright-core"

import { createTempDir } from "./temp-dir.ts"

/** Debian's `chromium` package (CI installs it), or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH`
}

// Quiet and self-contained: no first-run UI, no calls home, no QUIC, no GPU.
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/** A headless Chromium with its own temporary profile (--user-data-dir), removed on close. */
export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<Browser> {
  const missing = chromiumMissing()
  if (missing !== undefined) throw new Error(missing)
  const profile = createTempDir("dockstat-chromium-")
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
  })
  return {
    context,
    async close() {
      await context.close()
      profile.remove()
    },
  }
}

/** What a page did that a test wants to hear of: console errors, uncaught exceptions, requests to other hosts. */
export interface PageWatch {
  errors: string[]
  foreignRequests: string[]
}

/** Records console errors, page errors and every request that leaves `origin`. */
export function watchPage(page: Page, origin: string): PageWatch {
  const watch: PageWatch = { errors: [], foreignRequests: [] }
  page.on("console", (message) => {
    if (message.type() === "error") watch.errors.push(`${message.text()} (${message.location().url})`)
  })
  page.on("pageerror", (error) => watch.errors.push(`uncaught: ${error.message}`))
  page.on("request", (request) => {
    const url = request.url()
    if (!url.startsWith(`${origin}/`) && !url.startsWith("data:")) watch.foreignRequests.push(url)
  })
  return watch
}
