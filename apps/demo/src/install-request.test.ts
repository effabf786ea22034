import { describe, expect, it } from "vitest"

import { readInstallRequest } from "./install-request.ts"
import { installStatus } from "./install-status.ts"

const request = (body: string) => new Request("http://demo/api/v2/plugins/install", { method: "POST", body })

describe("readInstallRequest", () => {
  it("accepts an http(s) url and an optional update flag", async () => {
    expect(await readInstallRequest(request('{"url":"https://example.com/m.yaml"}'))).toEqual({ ok: true, url: "https://example.com/m.yaml", update: false })
    expect(await readInstallRequest(request('{"url":"http://host/m.json","update":true}'))).toEqual({ ok: true, url: "http://host/m.json", update: true })
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
    for (const kind of ["parse", "validation", "integrity"]) expect(installStatus({ success: false, message: "", kind })).toBe(400)
    expect(installStatus({ success: false, message: "", kind: "conflict" })).toBe(409)
    for (const kind of ["fetch", "unreachable"]) expect(installStatus({ success: false, message: "", kind })).toBe(502)
    expect(installStatus({ success: false, message: "" })).toBe(400)
  })
})
