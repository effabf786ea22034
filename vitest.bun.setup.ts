// Before every test file of a Bun suite: a suite that is not running in Bun's runtime proves nothing.
if (process.versions.bun === undefined) {
  throw new Error(`this Bun suite is running on Node ${process.version}: vitest's workers must be Bun processes (bun --bun vitest ...)`)
}
