import type { PreviewSuccess } from "@dockstat/plugin-handler"
import { describe, expect, it } from "vitest"

import { previewPage } from "./preview-page.ts"

const preview = (table: PreviewSuccess["table"]): PreviewSuccess => ({
  success: true,
  message: "notes 1.0.0 is installed (id 1); this link has 2.0.0",
  digest: "sha256-x",
  source: "https://example.com/m.json",
  integrity: "sha256-y",
  plugin: { name: "notes", version: "2.0.0", description: null, author: { name: "t" }, repository: "x", manifest: "x", tags: [] },
  permissions: { network: [], env: [] },
  runtime: "sandbox",
  routes: ["GET /n"],
  hooks: [],
  table,
  installed: null,
  change: null,
})

describe("the preview page", () => {
  it("says a migration keeps the rows only when it does, and names what a migration allowed to lose data loses", () => {
    expect(String(previewPage(preview({ name: "notes", action: "migrated", dataLoss: [] }), "https://example.com/m.json", "sandbox"))).toContain("migrates it (rows kept)")
    const lossy = String(previewPage(preview({ name: "notes", action: "migrated", dataLoss: ['drops column "<secret>"'] }), "https://example.com/m.json", "sandbox"))
    expect(lossy).not.toContain("rows kept")
    expect(lossy).toContain("LOSES DATA, as the manifest allows (allowDataLoss): drops column &quot;&lt;secret&gt;&quot;")
  })
})
