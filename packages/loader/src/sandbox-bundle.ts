import { build } from "esbuild"

import { siblingModule } from "./sibling-module.ts"

let bundle: Promise<string> | undefined

/**
 * The guest runtime (sandbox-guest.ts and what it imports: the SDK, the chain runner, the runtime core)
 * as one script for QuickJS, built once per process with esbuild. Tree shaking keeps zod and drizzle out.
 */
export function sandboxGuestBundle(): Promise<string> {
  bundle ??= (async () => {
    const result = await build({
      entryPoints: [siblingModule("sandbox-guest")],
      bundle: true,
      write: false,
      format: "iife",
      platform: "neutral",
      target: "es2022",
      mainFields: ["module", "main"],
      minifySyntax: true,
      legalComments: "none",
      logLevel: "silent",
    })
    const file = result.outputFiles[0]
    if (!file) throw new Error("esbuild produced no sandbox bundle")
    return file.text
  })()
  bundle.catch(() => {
    bundle = undefined
  })
  return bundle
}
