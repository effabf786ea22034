export { dispatchEvent } from "./dispatch.ts"
export type { DispatchOptions, DispatchReport, HookOutcome } from "./dispatch.ts"
