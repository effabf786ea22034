import { PluginError } from "@dockstat/plugin-schema"
import { describe, expect, it } from "vitest"
import { resolveError, toFailure } from "./errors.ts"

describe("installer errors", () => {
  it("are PluginErrors whose code and status match their kind", () => {
    expect(resolveError("fetch", "x")).toMatchObject({ code: "UPSTREAM_FAILED", status: 502 })
    expect(resolveError("unreachable", "x")).toMatchObject({ code: "UPSTREAM_FAILED", status: 502 })
    expect(resolveError("parse", "x")).toMatchObject({ code: "INVALID_INPUT", status: 400 })
    expect(resolveError("validation", "x")).toMatchObject({ code: "INVALID_INPUT", status: 400 })
    expect(resolveError("integrity", "x")).toMatchObject({ code: "INVALID_PLUGIN", status: 422 })
  })

  it("keep their cause", () => {
    const cause = new Error("socket hang up")
    expect(resolveError("unreachable", "x", cause).cause).toBe(cause)
  })

  it("turn back into failure results with their kind and message", () => {
    expect(toFailure(resolveError("integrity", "mismatch"))).toEqual({ ok: false, kind: "integrity", message: "mismatch" })
  })

  it("count a plain INVALID_INPUT PluginError as a parse failure", () => {
    expect(toFailure(new PluginError("INVALID_INPUT", "bad yaml"))).toEqual({ ok: false, kind: "parse", message: "bad yaml" })
  })

  it("report anything unexpected with its message instead of throwing", () => {
    expect(toFailure(new RangeError("boom"))).toEqual({ ok: false, kind: "fetch", message: "Unexpected error: boom" })
  })
})
