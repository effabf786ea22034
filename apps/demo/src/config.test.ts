import { join } from "node:path"
import { describe, expect, it } from "vitest"

import { ConfigError, DEFAULT_DB_PATH, DEMO_ROOT, loadConfig } from "./config.ts"

describe("loadConfig", () => {
  it("defaults to port 3000 on loopback with apps/demo/data/dockstat.db, wherever it runs from", () => {
    expect(loadConfig({})).toEqual({ port: 3000, hostname: "127.0.0.1", dbPath: DEFAULT_DB_PATH, logLevel: "info", dockerEvents: true, allowPrivateNetwork: true, accessLog: true })
    expect(DEFAULT_DB_PATH).toBe(join(DEMO_ROOT, "data", "dockstat.db"))
    expect(DEMO_ROOT.replace(/[\\/]$/, "")).toMatch(/apps[\\/]demo$/)
  })

  it("turns the Docker event source off with DOCKSTAT_DOCKER_EVENTS=off", () => {
    expect(loadConfig({ DOCKSTAT_DOCKER_EVENTS: "off" }).dockerEvents).toBe(false)
    expect(loadConfig({ DOCKSTAT_DOCKER_EVENTS: "on" }).dockerEvents).toBe(true)
  })

  it("lets installs reach private networks unless DOCKSTAT_ALLOW_PRIVATE_NETWORK=0", () => {
    expect(loadConfig({ DOCKSTAT_ALLOW_PRIVATE_NETWORK: "0" }).allowPrivateNetwork).toBe(false)
    expect(loadConfig({ DOCKSTAT_ALLOW_PRIVATE_NETWORK: " Off " }).allowPrivateNetwork).toBe(false)
    expect(loadConfig({ DOCKSTAT_ALLOW_PRIVATE_NETWORK: "1" }).allowPrivateNetwork).toBe(true)
  })

  it("makes DOCKSTAT_DB an embedded replica with DOCKSTAT_DB_SYNC_URL, DOCKSTAT_DB_AUTH_TOKEN and DOCKSTAT_DB_SYNC_PERIOD", () => {
    expect(loadConfig({}).replica).toBeUndefined()
    expect(loadConfig({ DOCKSTAT_DB_SYNC_URL: "http://sqld:8080", DOCKSTAT_DB_AUTH_TOKEN: "t0k", DOCKSTAT_DB_SYNC_PERIOD: "2.5" }).replica).toEqual({ syncUrl: "http://sqld:8080", authToken: "t0k", syncPeriod: 2.5 })
    expect(() => loadConfig({ DOCKSTAT_DB_SYNC_URL: "http://sqld:8080", DOCKSTAT_DB_SYNC_PERIOD: "soon" })).toThrow(/DOCKSTAT_DB_SYNC_PERIOD must be a number of seconds/)
    expect(() => loadConfig({ DOCKSTAT_DB_AUTH_TOKEN: "t0k" })).toThrow(/need DOCKSTAT_DB_SYNC_URL/)
  })

  it("reads PORT, HOST and LOG_LEVEL", () => {
    expect(loadConfig({ PORT: "0", HOST: "0.0.0.0", LOG_LEVEL: "DEBUG" })).toMatchObject({ port: 0, hostname: "0.0.0.0", logLevel: "debug" })
  })

  it("takes a relative DOCKSTAT_DB from where pnpm was run, and keeps absolute paths and :memory:", () => {
    expect(loadConfig({ DOCKSTAT_DB: "x/my.db", INIT_CWD: "/srv/app" }).dbPath).toBe("/srv/app/x/my.db")
    expect(loadConfig({ DOCKSTAT_DB: "/var/lib/dockstat.db" }).dbPath).toBe("/var/lib/dockstat.db")
    expect(loadConfig({ DOCKSTAT_DB: ":memory:" }).dbPath).toBe(":memory:")
  })

  it("refuses a PORT or LOG_LEVEL it cannot use, naming the variable", () => {
    for (const PORT of ["abc", "-1", "70000", "80.5"]) {
      expect(() => loadConfig({ PORT })).toThrow(ConfigError)
      expect(() => loadConfig({ PORT })).toThrow(/PORT/)
    }
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL must be one of/)
  })

  it("reads several Docker hosts from DOCKSTAT_DOCKER_HOSTS, as id=name=address entries or JSON", () => {
    expect(loadConfig({ DOCKSTAT_DOCKER_HOSTS: "1=local=unix:///var/run/docker.sock,2=nas=tcp://192.168.1.5:2375" }).dockerHosts).toEqual([
      { id: 1, name: "local", host: "unix:///var/run/docker.sock" },
      { id: 2, name: "nas", host: "tcp://192.168.1.5:2375" },
    ])
    expect(loadConfig({ DOCKSTAT_DOCKER_HOSTS: '[{"id":"edge","name":"Edge","host":"tcp://10.0.0.9:2375"}]' }).dockerHosts).toEqual([{ id: "edge", name: "Edge", host: "tcp://10.0.0.9:2375" }])
    expect(loadConfig({ DOCKSTAT_DOCKER_HOSTS: " " }).dockerHosts).toBeUndefined()
    expect(() => loadConfig({ DOCKSTAT_DOCKER_HOSTS: "1=local" })).toThrow(ConfigError)
    expect(() => loadConfig({ DOCKSTAT_DOCKER_HOSTS: "1=a=/a.sock,1=b=/b.sock" })).toThrow(/DOCKSTAT_DOCKER_HOSTS: 1\.id: id 1 is already used/)
  })
})

describe("serverOptionsFromConfig (pnpm start and dockstat-plugins dev alike)", () => {
  it("carries the admin token, allowed hosts, replica and Docker hosts into the server options", async () => {
    const { serverOptionsFromConfig } = await import("./server.ts")
    const options = serverOptionsFromConfig(
      loadConfig({
        HOST: "127.0.0.1",
        DOCKSTAT_ADMIN_TOKEN: "correct-horse-battery-staple",
        DOCKSTAT_ALLOWED_HOSTS: "dockstat.lan",
        DOCKSTAT_DB_SYNC_URL: "http://sqld:8080",
        DOCKSTAT_DOCKER_HOSTS: "1=local=unix:///var/run/docker.sock",
      }),
    )
    expect(options.admin?.token).toBe("correct-horse-battery-staple")
    expect(options.admin?.allowedHosts).toEqual(expect.arrayContaining(["127.0.0.1", "localhost", "dockstat.lan"]))
    expect(options.replica).toEqual({ syncUrl: "http://sqld:8080" })
    expect(options.docker).toEqual({ hosts: [expect.objectContaining({ id: 1, name: "local" })] })
    expect(serverOptionsFromConfig(loadConfig({ DOCKSTAT_DOCKER_EVENTS: "off" })).docker).toBe(false)
    expect(serverOptionsFromConfig(loadConfig({})).docker).toBeUndefined()
  })

  it("adds DOCKSTAT_ALLOWED_HOSTS to the loopback names when bound wide, as it does on loopback", async () => {
    const { serverOptionsFromConfig } = await import("./server.ts")
    expect(serverOptionsFromConfig(loadConfig({ HOST: "0.0.0.0" })).admin?.allowedHosts).toBeUndefined()
    const hosts = serverOptionsFromConfig(loadConfig({ HOST: "0.0.0.0", DOCKSTAT_ALLOWED_HOSTS: "dockstat.lan" })).admin?.allowedHosts
    expect([...(hosts ?? [])].sort()).toEqual(["127.0.0.1", "::1", "dockstat.lan", "localhost"])
  })
})
