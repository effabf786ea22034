import { reply } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { toResponse } from "./to-response.ts"

describe("toResponse", () => {
  it("passes a Response through (the same object)", () => {
    const response = new Response("raw", { status: 202, headers: { "x-a": "1" } })
    expect(toResponse(response)).toBe(response)
  })

  it("drops a plugin's cookies and Clear-Site-Data and adds the route security headers, on a Response it built and on one with immutable headers", async () => {
    const built = toResponse(new Response("<p>x</p>", { headers: { "content-type": "text/html", "set-cookie": "a=b", "Clear-Site-Data": '"cookies", "storage"' } }))
    expect(built.headers.get("set-cookie")).toBeNull()
    expect(built.headers.get("clear-site-data")).toBeNull()
    expect(built.headers.get("content-security-policy")).toBe("sandbox")
    expect(await built.text()).toBe("<p>x</p>")
    // A redirect's headers are immutable (as a fetch()'s are): the answer is a copy.
    const redirect = toResponse(Response.redirect("http://127.0.0.1/elsewhere", 302))
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get("location")).toBe("http://127.0.0.1/elsewhere")
    expect(redirect.headers.get("content-security-policy")).toBe("sandbox")
    const originWide = {
      "Set-Cookie": "a=b",
      "clear-site-data": "*",
      "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
      NEL: '{"report_to":"x","max_age":31536000}',
      "Report-To": '{"group":"x","max_age":31536000,"endpoints":[{"url":"https://collector.example/"}]}',
      "Reporting-Endpoints": 'x="https://collector.example/"',
      "Alt-Svc": 'h2="other.example:443"',
      "Service-Worker-Allowed": "/",
      "Set-Cookie2": "a=b",
      "Origin-Agent-Cluster": "?1",
      "Accept-CH": "Sec-CH-UA-Model",
      "Critical-CH": "Sec-CH-UA-Model",
      "Set-Login": "logged-in",
    }
    const replied = toResponse(reply("x", { headers: { "content-type": "text/plain", "x-kept": "1", ...originWide } }))
    for (const name of Object.keys(originWide)) expect(replied.headers.get(name), name).toBeNull()
    expect(replied.headers.get("x-kept")).toBe("1")
    expect(replied.headers.get("x-content-type-options")).toBe("nosniff")
    for (const answer of [toResponse(undefined), toResponse({ ok: true })]) expect(answer.headers.get("content-security-policy")).toBe("sandbox")
  })

  it("answers undefined with 204 and no body", async () => {
    const response = toResponse(undefined)
    expect(response.status).toBe(204)
    expect(response.body).toBeNull()
    expect(await response.text()).toBe("")
  })

  it.each([
    [{ success: true, items: [1, 2] }, '{"success":true,"items":[1,2]}'],
    [[{ id: 1 }], '[{"id":1}]'],
    ["hello", '"hello"'],
    [0, "0"],
    [false, "false"],
    [null, "null"],
  ])("answers %j with 200 JSON", async (value, text) => {
    const response = toResponse(value)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(await response.text()).toBe(text)
  })

  it("encodes dates and objects with toJSON as JSON does", async () => {
    const response = toResponse({ at: new Date("2024-01-02T03:04:05.000Z") })
    expect(await response.json()).toEqual({ at: "2024-01-02T03:04:05.000Z" })
  })

  it("uses the status and headers of a reply()", async () => {
    const response = toResponse(reply({ id: 5 }, { status: 201, headers: { Location: "/items/5" } }))
    expect(response.status).toBe(201)
    expect(response.headers.get("location")).toBe("/items/5")
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(await response.json()).toEqual({ id: 5 })
  })

  it("sends a string reply body as is when the reply sets a content type", async () => {
    const response = toResponse(reply("<p>hi</p>", { headers: { "Content-Type": "text/html; charset=utf-8" } }))
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(await response.text()).toBe("<p>hi</p>")
  })

  it("sends a Uint8Array reply body as bytes when the reply sets a content type", async () => {
    const response = toResponse(reply(new Uint8Array([1, 2, 3]), { headers: { "content-type": "application/octet-stream" } }))
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, 3])
  })

  it("JSON-encodes a string reply body without a content type", async () => {
    const response = toResponse(reply("plain", { status: 202 }))
    expect(response.status).toBe(202)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(await response.text()).toBe('"plain"')
  })

  it("keeps a JSON-flavoured content type the reply set on an object body", async () => {
    const response = toResponse(reply({ a: 1 }, { headers: { "content-type": "application/problem+json" } }))
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect(await response.json()).toEqual({ a: 1 })
  })

  it("sends no body for a reply without one or with a no-body status", async () => {
    const empty = toResponse(reply(undefined, { status: 202 }))
    expect(empty.status).toBe(202)
    expect(await empty.text()).toBe("")
    const noContent = toResponse(reply({ ignored: true }, { status: 204, headers: { "x-done": "1" } }))
    expect(noContent.status).toBe(204)
    expect(noContent.headers.get("x-done")).toBe("1")
    expect(noContent.body).toBeNull()
  })

  it.each([
    ["a BigInt", { count: 10n }, /BigInt/],
    ["a cycle", (() => { const a: Record<string, unknown> = {}; a.self = a; return a })(), /circular/i],
    ["a function", () => 1, /function/],
  ])("answers a result with %s with a 500 PluginError-shaped body", async (_, value, message) => {
    const response = toResponse(value)
    expect(response.status).toBe(500)
    expect(response.headers.get("content-type")).toBe("application/json")
    const body = (await response.json()) as Record<string, unknown>
    expect(body.error).toBe("INTERNAL")
    expect(body.message).toMatch(/cannot be encoded as JSON/)
    expect(body.message).toMatch(message)
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at /)
  })

  it("answers a reply with an impossible status or header with 500 instead of throwing", async () => {
    const badStatus = toResponse(reply({}, { status: 99 }))
    expect(badStatus.status).toBe(500)
    expect(((await badStatus.json()) as { message: string }).message).toMatch(/Invalid route result/)
    const badHeader = toResponse(reply({}, { headers: { "bad header": "x" } }))
    expect(badHeader.status).toBe(500)
  })
})
