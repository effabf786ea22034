/**
 * @dockstat/plugin-handler/build: a plugin's TypeScript or JavaScript source to the one ES module a
 * manifest carries (what `dockstat-plugins build` and `createTestHost({ entry })` use).
 *
 * @example
 * import { bundlePlugin } from "@dockstat/plugin-handler/build"
 * const { code, map } = await bundlePlugin({ entry: "src/index.ts", outfile: "dist/plugin.js" })
 */
export { BUNDLE_EXTERNALS, PluginBuildError, bundlePlugin, describeProblem } from "./bundle-plugin.ts"
export type { BundleOptions, BundleProblem, BundledPlugin } from "./bundle-plugin.ts"
/** The `integrity` a manifest carries for its code (`sha384-...`), as installs check it. */
export { sriDigest } from "@dockstat/plugin-installer"
