import { dirname, extname, join } from "node:path"
import { fileURLToPath } from "node:url"

const self = fileURLToPath(import.meta.url)

/**
 * The path of a module beside this one, for esbuild to bundle at run time: `.ts` where the host runs the
 * sources (tsx, vitest), `.js` in the built package, whichever this module itself is.
 */
export function siblingModule(name: string): string {
  return join(dirname(self), `${name}${extname(self)}`)
}
