import { describe, expect, it } from "vitest"

import { readInstallRequest } from "./install-request.ts"
import { deleteStatus, installStatus, retryHeaders } from "./install-status.ts"

import type { InstallFailureKind } from "@dockstat/plugin-handler"

const request = (body: string) => new Request("http://demo/api/v2/plugins/install", { method: "POST", body })

describe("readInstallRequest", () => {
  it("accepts an http(s) url and an optional update flag", async () => {
    expect(await readInstallRequest(request('{"url":"https://example.com/m.yaml"}'))).toEqual({ ok: true, url: "https://example.com/m.yaml", update: false, activate: true })
    expect(await readInstallRequest(request('{"url":"http://host/m.json","update":true}'))).toEqual({ ok: true, url: "http://host/m.json", update: true, activate: true })
  })

  it("takes activate (default true) and a runtime the admin chooses", async () => {
    expect(await readInstallRequest(request('{"url":"http://h/m.json","activate":false,"runtime":"worker"}'))).toEqual({ ok: true, url: "http://h/m.json", update: false, activate: false, runtime: "worker" })
    expect(await readInstallRequest(request('{"url":"http://h/m.json","activate":"no"}'))).toMatchObject({ ok: false, message: expect.stringContaining('"activate"') })
    expect(await readInstallRequest(request('{"url":"http://h/m.json","runtime":"root"}'))).toMatchObject({ ok: false, message: expect.stringMatching(/"runtime" must be one of "sandbox", "worker", "inline"/) })
  })

  it("names the field that is missing or of the wrong type", async () => {
    expect(await readInstallRequest(request("{}"))).toEqual({ ok: false, message: 'Field "url" is required and must be a non-empty string, got nothing' })
    expect(await readInstallRequest(request('{"url":["a"]}'))).toMatchObject({ ok: false, message: expect.stringContaining("got an array") })
    expect(await readInstallRequest(request('{"url":"http://h/m.json","update":"yes"}'))).toMatchObject({ ok: false, message: expect.stringContaining('"update"') })
  })

  it("refuses bodies that are not a JSON object", async () => {
    for (const body of ["", "not json", "[1]", "null", '"https://h/m.json"']) {
      expect(await readInstallRequest(request(body))).toMatchObject({ ok: false })
    }
  })

  it("refuses file paths and other schemes: the server must not read its own files for a client", async () => {
    for (const url of ["/etc/passwd", "./manifest.json", "file:///etc/passwd", "ftp://host/m.json"]) {
      expect(await readInstallRequest(request(JSON.stringify({ url })))).toMatchObject({ ok: false, message: expect.stringContaining("http") })
    }
  })
})

describe("installStatus", () => {
  it("maps each failure kind to whose fault it is", () => {
    expect(installStatus({ success: true, id: 1, message: "ok" })).toBe(201)
    const expected: Record<InstallFailureKind, number> = {
      parse: 400,
      validation: 400,
      integrity: 400,
      "forbidden-address": 403,
      "not-found": 404,
      conflict: 409,
      "invalid-plugin": 422,
      internal: 500,
      fetch: 502,
      unreachable: 502,
      busy: 503,
    }
    for (const [kind, status] of Object.entries(expected)) {
      expect(installStatus({ success: false, message: "", kind: kind as InstallFailureKind }), kind).toBe(status)
    }
    // A result from elsewhere (JSON) with a kind this host does not know is its own failure, not the client's.
    expect(installStatus({ success: false, message: "", kind: "new-kind" as InstallFailureKind })).toBe(500)
  })

  it("tells a client when to try again after a busy database, and maps delete failures", () => {
    expect(retryHeaders({ success: false, message: "", kind: "busy" })).toEqual({ "Retry-After": "1" })
    expect(retryHeaders({ success: false, message: "", kind: "conflict" })).toBeUndefined()
    expect(deleteStatus({ success: true, message: "" })).toBe(200)
    expect(deleteStatus({ success: false, message: "", kind: "busy" })).toBe(503)
    expect(deleteStatus({ success: false, message: "", kind: "not-found" })).toBe(404)
    expect(deleteStatus({ success: false, message: "" })).toBe(500)
  })
})
