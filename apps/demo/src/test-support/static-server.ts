import { createServer } from "node:http"

import type { AddressInfo } from "node:net"

export interface StaticFile {
  body: string
  contentType: string
}

export interface StaticServer {
  url(path: string): string
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 (port chosen by the OS) serving fixed files: the manifests the demo
 * installs from. Unknown paths get a 404, as from a real host.
 */
export async function startStaticServer(files: Record<string, StaticFile>): Promise<StaticServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://fixture").pathname
    const file = Object.hasOwn(files, path) ? files[path] : undefined
    if (file === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found")
      return
    }
    response.writeHead(200, { "content-type": file.contentType }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** A URL on a port nothing listens on: bound once by the OS to find a free port, then closed. */
export async function closedPortUrl(path: string): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}${path}`
}
