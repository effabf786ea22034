/** Where plugin code threw: 1-based line and column in the code as stored. */
export interface ThrowLocation {
  line: number
  column: number
}

// A stack frame ends in `file:line:column`, inside parentheses when the function has a name. The file
// may itself contain colons (`plugin:<name>`, `data:text/javascript;base64,...`). Linear on any input: a
// sandboxed plugin writes its own `stack`, and `(?:.*? \()?(.+):` backtracked quadratically (a 50 KB
// line held the host for 260 ms, a megabyte for minutes).
const FRAME = /^\s*at (?:[^(]*\()?(.*):(\d+):(\d+)\)?\s*$/
const MAX_FRAMES = 64

/**
 * The first frame of `stack` in the plugin's own code (`isPluginFile` says which file that is), or null.
 * Each runtime names the code its own way: the sandbox `plugin.js`, the inline runtime `plugin:<name>`,
 * the worker a `data:` URL; line numbers are those of the stored code in all three.
 */
export function throwLocation(stack: unknown, isPluginFile: (file: string) => boolean): ThrowLocation | null {
  if (typeof stack !== "string") return null
  for (const frame of stack.split("\n", MAX_FRAMES)) {
    const match = FRAME.exec(frame)
    if (match && isPluginFile(match[1] as string)) return { line: Number(match[2]), column: Number(match[3]) }
  }
  return null
}

/**
 * `message` with where the plugin threw, when `stack` shows it:
 * `boom (thrown at line 3, column 9 of the plugin's code)`. A build tool maps that place back to the
 * source through its source map.
 */
export function withThrowLocation(message: string, stack: unknown, isPluginFile: (file: string) => boolean): string {
  const at = throwLocation(stack, isPluginFile)
  return at === null ? message : `${message} (thrown at line ${at.line}, column ${at.column} of the plugin's code)`
}
