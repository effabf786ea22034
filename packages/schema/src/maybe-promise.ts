/** A value that may be a promise: the runtimes answer synchronously when the plugin did. */
export type MaybePromise<T> = T | Promise<T>

/** Any promise flavour (a thenable), from any realm. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function"
}
