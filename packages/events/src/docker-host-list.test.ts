import { describe, expect, it } from "vitest"

import { parseDockerHostList } from "./docker-host-list.ts"
import { checkDockerHosts } from "./docker-hosts.ts"

describe("a list of Docker hosts from one setting", () => {
  it("reads id=name=address entries, digit ids as numbers", () => {
    expect(parseDockerHostList(" 1=local=unix:///var/run/docker.sock , nas=NAS box=tcp://10.0.0.5:2375")).toEqual([
      { id: 1, name: "local", host: "unix:///var/run/docker.sock" },
      { id: "nas", name: "NAS box", host: "tcp://10.0.0.5:2375" },
    ])
  })

  it("reads a JSON array", () => {
    expect(parseDockerHostList('[{ "id": 2, "name": "b", "host": "tcp://127.0.0.1:2375", "since": "1700000000" }]')).toEqual([
      { id: 2, name: "b", host: "tcp://127.0.0.1:2375", since: "1700000000" },
    ])
  })

  it("names what is wrong: the entry, the field, a duplicate id, an address it cannot speak", () => {
    expect(() => parseDockerHostList("1=local")).toThrow(/DOCKSTAT_DOCKER_HOSTS: entry 1 "1=local" is not id=name=address/)
    expect(() => parseDockerHostList("1=a=/a.sock,1=b=/b.sock")).toThrow(/DOCKSTAT_DOCKER_HOSTS: 1\.id: id 1 is already used by host 0/)
    expect(() => parseDockerHostList("1=a=ssh://box")).toThrow(/DOCKSTAT_DOCKER_HOSTS: 0\.host: Invalid DOCKER_HOST "ssh:\/\/box"/)
    expect(() => parseDockerHostList('[{ "id": 1, "name": "", "host": "/a.sock" }]')).toThrow(/0\.name: name must not be empty/)
    expect(() => parseDockerHostList("[{ oops")).toThrow(/DOCKSTAT_DOCKER_HOSTS: not valid JSON/)
    expect(() => parseDockerHostList("[]")).toThrow(/lists no host/)
    expect(() => parseDockerHostList('[{ "id": 1, "name": "a", "host": "/a.sock", "tls": true }]')).toThrow(/tls/)
  })

  it("checks a configured list the same way", () => {
    expect(() => checkDockerHosts([{ id: -1, name: "a", host: "/a.sock" }])).toThrow(/docker\.hosts: 0\.id/)
    expect(() => checkDockerHosts("unix:///a.sock")).toThrow(/docker\.hosts/)
    expect(checkDockerHosts([{ id: "a", name: "a", host: "/a.sock" }])).toEqual([{ id: "a", name: "a", host: "/a.sock" }])
  })
})
