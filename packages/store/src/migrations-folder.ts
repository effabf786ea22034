import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

// drizzle-kit writes the host's migrations into the workspace's top-level migrations/; a built package
// (dist/) carries a copy next to its code, since a published package cannot reach outside itself.
const packaged = fileURLToPath(new URL("./migrations", import.meta.url))
const workspace = fileURLToPath(new URL("../../../migrations", import.meta.url))

/** The folder of the host's SQL migrations: the packaged copy when there is one, else the workspace's. */
export const MIGRATIONS_FOLDER = existsSync(packaged) ? packaged : workspace
