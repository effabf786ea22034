import { open, stat } from "node:fs/promises"
import { errorMessage, isPluginError } from "@dockstat/plugin-schema"
import type { PluginError } from "@dockstat/plugin-schema"
import { formatBytes } from "./byte-size.ts"
import { resolveError } from "./errors.ts"

const CHUNK_BYTES = 64 * 1024

function fileFailure(error: unknown, path: string): PluginError {
  const code = (error as { code?: unknown } | null)?.code
  if (code === "ENOENT" || code === "ENOTDIR") return resolveError("fetch", `no such file: ${path}`, error)
  if (code === "EACCES" || code === "EPERM") return resolveError("fetch", `permission denied reading ${path}`, error)
  return resolveError("fetch", `cannot read ${path}: ${errorMessage(error)}`, error)
}

/**
 * Reads a local file of at most `maxBytes`. Only regular files: opening a FIFO or a device could block
 * forever or never end. The read stops one byte past the cap, so a file that grows after the size check
 * is still refused.
 */
export async function readLocalFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (size: string) => resolveError("fetch", `file too large: ${path} is ${size}, over the ${formatBytes(maxBytes)} limit`)
  let info
  try {
    info = await stat(path)
  } catch (error) {
    throw fileFailure(error, path)
  }
  if (!info.isFile()) throw resolveError("fetch", `${path} is not a regular file`)
  if (info.size > maxBytes) throw tooLarge(`${info.size} bytes`)
  let handle
  try {
    handle = await open(path, "r")
  } catch (error) {
    throw fileFailure(error, path)
  }
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES)
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, total)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`)
      chunks.push(chunk.subarray(0, bytesRead))
    }
    return Buffer.concat(chunks, total)
  } catch (error) {
    throw isPluginError(error) ? error : fileFailure(error, path)
  } finally {
    await handle.close()
  }
}
