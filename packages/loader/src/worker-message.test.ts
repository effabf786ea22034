import { describe, expect, it } from "vitest"

import { workerMessageProblem } from "./worker-message.ts"

describe("workerMessageProblem: what a plugin thread may send", () => {
  it.each([
    { type: "result", id: 1, ok: true, value: { any: ["thing"] } },
    { type: "result", id: 2, ok: false, error: { code: "ACTION_FAILED", message: "boom", action: "a", headers: { "x-a": "1" }, data: {} } },
    { type: "log", level: "warn", args: ["hello", { a: 1 }] },
    { type: "imported", shape: null },
    { type: "ready" },
    { type: "load-error", message: "cannot start" },
    { type: "results", results: [{ type: "result", id: 1, ok: true, value: 1 }, { type: "result", id: 2, ok: false, error: { code: "X", message: "x" } }] },
  ])("accepts %j", (message) => {
    expect(workerMessageProblem(message)).toBeNull()
  })

  it.each([
    [null, "a message that is null"],
    [42, "a message that is number 42"],
    [["result"], "a message that is an array"],
    [{ type: "surprise" }, 'a message of unknown type "surprise"'],
    [{ type: "log", level: "nonexistent", args: [] }, 'a log of level "nonexistent"'],
    [{ type: "log", level: "__proto__", args: [] }, 'a log of level "__proto__"'],
    [{ type: "log", level: "info", args: "abc" }, 'a log whose args are "abc"'],
    [{ type: "log", level: "info", args: new Array(1000).fill(0) }, "a log with 1000 arguments (at most 32)"],
    [{ type: "result", id: "1", ok: true }, 'a result whose id is "1"'],
    [{ type: "result", id: 1.5, ok: true }, "a result whose id is number 1.5"],
    [{ type: "result", id: 1, ok: "yes" }, 'a result whose ok is "yes"'],
    [{ type: "result", id: 1, ok: false, error: "boom" }, 'a failed result whose error is "boom"'],
    [{ type: "result", id: 1, ok: false, error: { code: 7, message: "x" } }, "a failed result whose error has no string code and message"],
    [{ type: "result", id: 1, ok: false, error: { code: "X", message: "x", headers: { a: 1 } } }, "a failed result whose error headers are not strings"],
    [{ type: "result", id: 1, ok: false, error: { code: "X", message: "x", data: [1] } }, "a failed result whose error data is an array"],
    [{ type: "load-error" }, "a load-error whose message is missing"],
    [{ type: "imported" }, "an imported message without a shape"],
    [{ type: "results", results: [] }, "a results message whose results are an array"],
    [{ type: "results" }, "a results message whose results are missing"],
    [{ type: "results", results: [{ type: "result", id: 1, ok: true }, { type: "log", level: "info", args: [] }] }, "a results entry that is an object"],
    [{ type: "results", results: [{ type: "result", id: "7", ok: true }] }, 'a result whose id is "7"'],
  ])("refuses %j: %s", (message, problem) => {
    expect(workerMessageProblem(message)).toBe(problem)
  })

  it("keeps long values out of the reason", () => {
    expect(workerMessageProblem({ type: "x".repeat(1 << 20) })).toBe(`a message of unknown type "${"x".repeat(40)}..."`)
  })
})
