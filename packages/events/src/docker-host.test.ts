import { describe, expect, it } from "vitest"

import { parseDockerHost } from "./docker-host.ts"

describe("parseDockerHost", () => {
  it("reads unix sockets, tcp addresses and the default", () => {
    expect(parseDockerHost("unix:///run/user/1000/docker.sock")).toEqual({ kind: "unix", socketPath: "/run/user/1000/docker.sock", host: "unix:///run/user/1000/docker.sock" })
    expect(parseDockerHost("/tmp/d.sock")).toMatchObject({ kind: "unix", socketPath: "/tmp/d.sock" })
    expect(parseDockerHost("tcp://127.0.0.1:2375")).toEqual({ kind: "tcp", hostname: "127.0.0.1", port: 2375, host: "tcp://127.0.0.1:2375" })
    expect(parseDockerHost("tcp://[::1]")).toMatchObject({ kind: "tcp", hostname: "::1", port: 2375 })
    expect(parseDockerHost("")).toMatchObject({ kind: "unix", socketPath: "/var/run/docker.sock" })
  })

  it("takes DOCKER_HOST from the environment when no host is given", () => {
    const saved = process.env.DOCKER_HOST
    process.env.DOCKER_HOST = "tcp://docker.internal:2376"
    try {
      expect(parseDockerHost()).toMatchObject({ hostname: "docker.internal", port: 2376 })
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST
      else process.env.DOCKER_HOST = saved
    }
  })

  it("refuses what it cannot speak, naming the value", () => {
    expect(() => parseDockerHost("ssh://me@host")).toThrow(/Invalid DOCKER_HOST "ssh:\/\/me@host": scheme "ssh"/)
    expect(() => parseDockerHost("npipe:////./pipe/docker_engine")).toThrow(/npipe/)
    expect(() => parseDockerHost("unix://relative.sock")).toThrow(/absolute path/)
  })
})
