#!/usr/bin/env node
// `dockstat-plugins <command>` (from the workspace: `pnpm exec dockstat-plugins <command>`): the demo's
// CLI. It runs the TypeScript source through tsx's loader in this very process, so stdout, stderr and the
// exit code (0, 1 failed, 2 bad usage) are the CLI's own, with no package-manager wrapper around them.
import { register } from "tsx/esm/api"

register()
await import("../src/cli.ts")
