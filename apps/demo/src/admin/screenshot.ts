/**
 * `pnpm --filter @dockstat/demo screenshot [file]`: the README's picture of the admin page, taken from
 * the real page. Starts the demo on a throwaway database (the three example plugins), installs a plugin
 * that asks for permissions from a local manifest server, makes some activity, and screenshots `/` in
 * Chromium (default file: docs/admin-page.png of the repository).
 */
import { resolve } from "node:path"

import { DEMO_ROOT } from "../config.ts"
import { startServer } from "../server.ts"
import { launchBrowser } from "../test-support/browser.ts"
import { notesPluginCode } from "../test-support/notes-plugin.ts"
import { startStaticServer } from "../test-support/static-server.ts"
import { createTempDir } from "../test-support/temp-dir.ts"

const target = resolve(process.argv[2] ?? resolve(DEMO_ROOT, "..", "..", "docs", "admin-page.png"))
const temp = createTempDir()
const manifests = await startStaticServer({
  "/uptime/manifest.json": {
    contentType: "application/json",
    body: JSON.stringify({
      name: "uptime-notes",
      version: "1.2.0",
      description: "Keeps notes on container uptime",
      author: { name: "Example" },
      permissions: { network: ["status.example.com"], env: ["UPTIME_TOKEN"] },
      plugin: notesPluginCode("uptime_notes"),
    }),
  },
})
const server = await startServer({ dbPath: temp.file("dockstat.db"), port: 0, logLevel: "silent", docker: false })
try {
  const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  const installed = await post("/api/v2/plugins/install", { url: manifests.url("/uptime/manifest.json") })
  if (installed.status !== 201) throw new Error(`install failed: ${await installed.text()}`)
  for (const cpu of [0.4, 0.7]) await post("/api/v2/plugins/1/routes/save", { data: { cpu } })
  await server.handler.emit("onContainerStart", { container: { id: "3f2a9c0d1e2b", name: "nginx", image: "nginx:1.27", labels: {}, state: "running" } })
  await post("/api/v2/plugins/2/deactivate", {})

  const browser = await launchBrowser({ width: 1280, height: 800 })
  try {
    const page = await browser.context.newPage()
    await page.goto(`${server.url}/`)
    await page.locator("div.log li").nth(4).waitFor()
    await page.screenshot({ path: target, fullPage: true })
  } finally {
    await browser.close()
  }
  console.log(`wrote ${target}`)
} finally {
  await server.close()
  await manifests.close()
  temp.remove()
}
