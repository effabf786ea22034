import { defineConfig } from "drizzle-kit"

// Host tables live in packages/schema; `pnpm db:generate` writes their SQL into migrations/,
// which the store applies whenever a DB is opened. `pnpm db:studio` browses the demo's DB file.
export default defineConfig({
  dialect: "sqlite",
  schema: "./packages/schema/src/host-tables.ts",
  out: "./migrations",
  dbCredentials: {
    url: `file:${process.env.DOCKSTAT_DB ?? "apps/demo/data/dockstat.db"}`,
  },
})
