import { describe, expect, it } from "vitest"

import { decodeEngineEvent, formatEngineTime, parseEngineTime } from "./engine-event.ts"
import { fixtureLines } from "./test-support/recorded-harness.ts"

describe("decodeEngineEvent", () => {
  it("keeps timeNano exact where the JSON number would be rounded", () => {
    const line = '{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"web"}},"time":1700000000,"timeNano":1700000000123456789}'
    const decoded = decodeEngineEvent(line)
    expect(decoded.timeNano).toBe(1700000000123456789n)
    expect(BigInt(decoded.event.timeNano)).not.toBe(1700000000123456789n)
  })

  it("is not fooled by a label whose value looks like a timeNano field", () => {
    const line = String.raw`{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"note":"\"timeNano\":5"}},"time":1700000000,"timeNano":1700000000000000042}`
    expect(decodeEngineEvent(line).timeNano).toBe(1700000000000000042n)
  })

  it("falls back to whole seconds for engines that send no timeNano", () => {
    expect(decodeEngineEvent('{"Type":"image","Action":"pull","Actor":{"ID":"busybox"},"time":1700000000}').timeNano).toBe(1700000000000000000n)
  })

  it("gives events that differ only in an attribute different keys", () => {
    const kill = (signal: string) => `{"Type":"container","Action":"kill","Actor":{"ID":"abc","Attributes":{"signal":"${signal}"}},"time":1,"timeNano":1000000001}`
    expect(decodeEngineEvent(kill("15")).key).not.toBe(decodeEngineEvent(kill("9")).key)
    expect(decodeEngineEvent(kill("9")).key).toBe(decodeEngineEvent(kill("9")).key)
  })

  it("refuses a line that is JSON but not an engine event", () => {
    expect(() => decodeEngineEvent('{"status":"Pulling"}')).toThrow(/Not a Docker engine event/)
    expect(() => decodeEngineEvent("{oops")).toThrow(SyntaxError)
  })

  it("decodes every recorded line", () => {
    for (const file of ["container-lifecycle.jsonl", "images.jsonl", "volumes-networks.jsonl", "engine-restart.jsonl"]) {
      for (const line of fixtureLines(file)) expect(decodeEngineEvent(line).timeNano > 1_600_000_000_000_000_000n).toBe(true)
    }
  })
})

describe("engine times", () => {
  it("formats nanoseconds as the since value the engine parses", () => {
    expect(formatEngineTime(1700000000000000123n)).toBe("1700000000.000000123")
    expect(formatEngineTime(1700000000123456789n)).toBe("1700000000.123456789")
  })

  it("reads RFC 3339 times with nanoseconds and offsets", () => {
    expect(parseEngineTime("2023-11-14T22:13:20.123456789Z")).toBe(1700000000123456789n)
    expect(parseEngineTime("2023-11-15T00:13:20.5+02:00")).toBe(1700000000500000000n)
    expect(parseEngineTime("2023-11-14T22:13:20Z")).toBe(1700000000000000000n)
    expect(() => parseEngineTime("yesterday")).toThrow(/RFC 3339/)
  })
})
