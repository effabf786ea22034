/**
 * The admin page in a real browser: Debian's Chromium driven by playwright-core, against the demo
 * server started as `pnpm start` starts it (with an admin token). Every page visited is checked for
 * console errors, requests to other hosts and (with axe-core) serious accessibility violations.
 *
 * Without Chromium these tests fail in CI (CI installs it) and are skipped elsewhere, saying why.
 */
import axe from "axe-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"

import type { Page } from "playwright-core"

import { startServer } from "../server.ts"
import type { RunningServer } from "../server.ts"
import { chromiumMissing, launchBrowser, watchPage } from "../test-support/browser.ts"
import type { Browser, PageWatch } from "../test-support/browser.ts"
import { notesPluginCode } from "../test-support/notes-plugin.ts"
import { startStaticServer } from "../test-support/static-server.ts"
import type { StaticFile, StaticServer } from "../test-support/static-server.ts"
import { createTempDir } from "../test-support/temp-dir.ts"

const TOKEN = "browser-test-token-0123456789"
const missing = chromiumMissing()
if (missing !== undefined && !process.env.CI) console.warn(`Skipping the browser tests: ${missing}`)

const yamlManifest = (version: string, network: string[], env: string[]) => {
  const code = notesPluginCode("browser_notes")
    .split("\n")
    .map((line) => (line === "" ? "" : `  ${line}`))
    .join("\n")
  return `name: browser-notes
version: "${version}"
description: Notes for the browser test
author: { name: Tester }
permissions:
  network: [${network.join(", ")}]
  env: [${env.join(", ")}]
plugin: |
${code}`
}

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[]
}

describe.skipIf(missing !== undefined && !process.env.CI)("the admin page in Chromium", { timeout: 90_000 }, () => {
  const temp = createTempDir()
  let server: RunningServer
  let manifests: StaticServer
  let browser: Browser
  let page: Page
  let watch: PageWatch
  const files: Record<string, StaticFile> = {
    "/notes/manifest.yaml": { body: yamlManifest("1.0.0", ["api.example.com"], ["NOTES_TOKEN"]), contentType: "application/yaml" },
    "/broken/manifest.json": { body: JSON.stringify({ name: "broken", version: "1.0.0", author: "nobody", plugin: "export default {}" }), contentType: "application/json" },
  }
  const auth = { authorization: `Bearer ${TOKEN}` }
  let notesId = 0

  /** Every page this test visited: no serious or critical axe violation. */
  const accessible = async () => {
    await page.evaluate(axe.source)
    const result = (await page.evaluate(async () => {
      const run = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<unknown> } }).axe.run
      return run(document, { resultTypes: ["violations"] })
    })) as AxeResult
    const serious = result.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    expect(serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`), page.url()).toEqual([])
  }

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(`The browser tests need Chromium in CI: ${missing}`)
    manifests = await startStaticServer(files)
    server = await startServer({ dbPath: temp.file("d.db"), port: 0, logLevel: "silent", docker: false, admin: { token: TOKEN } })
    browser = await launchBrowser()
    page = await browser.context.newPage()
    // A missing element fails the test in seconds, not at the test's own timeout.
    page.setDefaultTimeout(15_000)
    watch = watchPage(page, server.url)
  }, 120_000)

  afterEach(() => {
    expect(watch.errors, "console errors").toEqual([])
    expect(watch.foreignRequests, "requests to other hosts").toEqual([])
  })

  afterAll(async () => {
    await page?.close()
    await browser?.close()
    await server?.close()
    await manifests?.close()
    temp.remove()
  })

  it("asks for the token, refuses a wrong one with a message, and logs in by keyboard", async () => {
    await page.goto(`${server.url}/`)
    expect(new URL(page.url()).pathname).toBe("/admin/login")
    await accessible()
    await page.getByLabel("Admin token").fill("not-the-right-token")
    await page.getByRole("button", { name: "Log in" }).click()
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That is not the admin token.")
    watch.errors.splice(0) // the refused login answers 401, which Chromium reports as a failed load

    await page.getByLabel("Admin token").focus()
    await page.keyboard.type(TOKEN)
    await page.keyboard.press("Enter")
    await page.waitForURL(`${server.url}/`)
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Plugins")
    const [cookie] = await browser.context.cookies(server.url)
    expect(cookie).toMatchObject({ name: "dockstat_admin", httpOnly: true, sameSite: "Strict" })
    expect(cookie?.value).not.toContain(TOKEN)
    await accessible()
  })

  it("previews a link with the permissions it asks for, then installs it on confirmation", async () => {
    await page.goto(`${server.url}/`)
    await page.getByLabel("Manifest link (JSON or YAML)").fill(manifests.url("/notes/manifest.yaml"))
    await page.getByRole("button", { name: "Preview" }).click()
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Install browser-notes 1.0.0?")
    const asks = page.locator("section.asks")
    expect(await asks.textContent()).toContain("network api.example.com")
    expect(await asks.textContent()).toContain("env NOTES_TOKEN")
    expect(await page.locator("dl.details").textContent()).toMatch(/browser_notes: installing creates it/)
    // Nothing is installed before the confirmation.
    expect(server.handler.getAll().map((plugin) => plugin.name)).not.toContain("browser-notes")
    await accessible()

    await page.getByRole("button", { name: "Install browser-notes 1.0.0" }).click()
    await page.waitForURL(/\/admin\/plugins\/[0-9]+\?done=installed/)
    expect(await page.getByRole("status").first().textContent()).toBe("Installed browser-notes 1.0.0.")
    notesId = Number(/plugins\/([0-9]+)/.exec(page.url())?.[1])
    expect(server.handler.getLoadedPlugins()).toContain(notesId)
    expect(await page.locator("dl.details").textContent()).toContain("running")
  })

  it("shows the host's message for a bad link and for a bad manifest", async () => {
    await page.goto(`${server.url}/`)
    await page.getByLabel("Manifest link (JSON or YAML)").fill(manifests.url("/missing/manifest.json"))
    await page.getByRole("button", { name: "Preview" }).click()
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Cannot install from this link")
    expect(await page.getByRole("alert").textContent()).toMatch(/404/)
    await accessible()

    await page.getByLabel("Manifest link (JSON or YAML)").fill(manifests.url("/broken/manifest.json"))
    await page.getByRole("button", { name: "Preview" }).click()
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/Invalid manifest: author/)
    // Both answers carry the install's status (502, 400), which Chromium reports as failed loads.
    expect(watch.errors.every((error) => /Failed to load resource: the server responded with a status of (502|400)/.test(error))).toBe(true)
    watch.errors.splice(0)
    expect(server.handler.getAll().map((plugin) => plugin.name)).not.toContain("broken")
  })

  it("updates from the plugin's link, showing the version change and the new permissions", async () => {
    files["/notes/manifest.yaml"] = { body: yamlManifest("2.0.0", ["api.example.com", "hooks.example.com"], ["NOTES_TOKEN"]), contentType: "application/yaml" }
    await page.goto(`${server.url}/admin/plugins/${notesId}`)
    // The link the plugin was installed from is filled in.
    expect(await page.getByLabel("Manifest link", { exact: true }).inputValue()).toBe(manifests.url("/notes/manifest.yaml"))
    await page.getByRole("button", { name: "Check for an update" }).click()
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Update browser-notes from 1.0.0 to 2.0.0?")
    const added = await page.locator("section.asks").textContent()
    expect(added).toMatch(/New in this version\s*network hooks\.example\.com/)
    await accessible()
    await page.getByRole("button", { name: "Update browser-notes 2.0.0" }).click()
    await page.waitForURL(/done=updated/)
    expect(await page.getByRole("status").first().textContent()).toBe("Updated browser-notes 2.0.0.")
  })

  it("deactivates and activates a plugin from the list, by keyboard, every control reachable and named", async () => {
    await page.goto(`${server.url}/`)
    // Tab order: every control of the page in document order, each with an accessible name.
    const controls = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("a[href], button, input:not([type=hidden]), select, [tabindex='0']")].map((element) => element.outerHTML.slice(0, 80)),
    )
    const reached: { html: string; name: string }[] = []
    await page.locator("body").focus()
    for (let step = 0; step < controls.length; step += 1) {
      await page.keyboard.press("Tab")
      reached.push(
        await page.evaluate(() => {
          const element = document.activeElement as HTMLElement
          const labelled = (element as HTMLInputElement).labels?.[0]?.textContent ?? element.getAttribute("aria-label") ?? element.textContent ?? ""
          return { html: element.outerHTML.slice(0, 80), name: labelled.trim() }
        }),
      )
    }
    expect(reached.map((entry) => entry.html)).toEqual(controls)
    expect(reached.filter((entry) => entry.name === "")).toEqual([])
    expect(reached[0]?.name).toBe("Skip to content")

    // Activate a button with the keyboard: focus it by tabbing, then Enter.
    const target = "Deactivate browser-notes"
    await page.locator("body").focus()
    for (let step = 0; step < controls.length; step += 1) {
      await page.keyboard.press("Tab")
      if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === target) break
    }
    await page.keyboard.press("Enter")
    await page.waitForURL(/done=deactivated/)
    expect(await page.getByRole("status").first().textContent()).toBe("Deactivated browser-notes 2.0.0.")
    expect(server.handler.getLoadedPlugins()).not.toContain(notesId)
    expect(await page.locator("tr", { hasText: "browser-notes" }).locator(".badge").first().textContent()).toBe("disabled")

    await page.getByRole("button", { name: "Activate browser-notes" }).focus()
    await page.keyboard.press("Space")
    await page.waitForURL(/done=activated/)
    expect(server.handler.getLoadedPlugins()).toContain(notesId)
    await accessible()
  })

  it("shows activity in the live log as it happens", async () => {
    await page.goto(`${server.url}/`)
    await expect.poll(() => page.locator("[data-log-status]").textContent(), { timeout: 20_000 }).toContain("Live")
    const response = await fetch(`${server.url}/api/v2/plugins/${notesId}/reload`, { method: "POST", headers: auth })
    expect(response.status).toBe(200)
    const entry = page.locator("div.log li", { hasText: `browser-notes (id ${notesId}) loaded: 2.0.0` })
    await expect.poll(() => entry.count(), { timeout: 20_000 }).toBeGreaterThan(0)
    expect(await entry.first().locator(".badge").textContent()).toBe("loaded")
    await accessible()
  })

  it("tries a GET route from the plugin page and pages through its table, 50 rows at a time", async () => {
    for (let index = 1; index <= 60; index += 1) {
      const saved = await fetch(`${server.url}/api/v2/plugins/${notesId}/routes/notes`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ text: `note ${index}` }) })
      expect(saved.status).toBe(200)
    }
    await page.goto(`${server.url}/admin/plugins/${notesId}`)
    const table = page.locator("table.rows")
    expect(await table.locator("tbody tr").count()).toBe(50)
    expect(await page.getByRole("heading", { name: /Table browser_notes/ }).textContent()).toContain("(60 rows)")
    expect(await table.locator("tbody tr").first().textContent()).toContain("note 1")
    await page.getByRole("navigation", { name: "Table pages" }).getByRole("link", { name: "Next page" }).click()
    await page.waitForURL(/tpage=2/)
    expect(await table.locator("tbody tr").count()).toBe(10)
    expect(await table.locator("tbody tr").last().textContent()).toContain("note 60")

    await page.getByRole("button", { name: "Try GET /notes/all" }).click()
    await page.waitForURL(/try=%2Fnotes%2Fall/)
    const answer = page.locator("#try-answer")
    expect(await answer.locator(".badge").textContent()).toBe("200")
    expect(await answer.locator("pre").textContent()).toContain('"text": "note 60"')
    await accessible()
  })

  it("deletes a plugin after asking, dropping its table when told to", async () => {
    await page.goto(`${server.url}/`)
    await page.getByRole("link", { name: "Delete browser-notes" }).click()
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Delete browser-notes 2.0.0?")
    await accessible()
    await page.getByLabel(/Also drop its table/).check()
    await page.getByRole("button", { name: "Delete browser-notes" }).click()
    await page.waitForURL(/done=deleted-table/)
    expect(await page.getByRole("status").first().textContent()).toBe(`Deleted plugin ${notesId} and its table.`)
    expect(server.handler.getAll().map((plugin) => plugin.name)).not.toContain("browser-notes")
    expect(server.handler.getDb().tableExists("browser_notes")).toBe(false)
    expect(await page.locator("tr", { hasText: "browser-notes" }).count()).toBe(0)
  })
})
