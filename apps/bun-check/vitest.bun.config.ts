import { defineBunConfig } from "../../vitest.bun.ts"

import base from "./vitest.config.ts"

/** Every test of this app is Bun-only (`src/*.bun.test.ts`); add a path here to run another file too. */
export default defineBunConfig(base, [])
