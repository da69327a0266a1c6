import { describe, expect, it } from "vitest";
import { evaluate, spanOf } from "../../../src/cli/run/expectations.js";
import type { RecordedEvent, RunRecord } from "../../../src/cli/run/run-record.js";
import { type Script, ScriptSchema } from "../../../src/cli/run/script-schema.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";

type Input = RuntimeEvent extends infer E
  ? E extends { threadId: string }
    ? Omit<E, "threadId">
    : never
  : never;

/** A record from `[turn, event]` pairs. */
function record(pairs: [number, Input][], extra: Partial<RunRecord> = {}): RunRecord {
  const events: RecordedEvent[] = pairs.map(([turn, event], seq) => ({
    seq,
    turn,
    event: { ...event, threadId: "t" } as RuntimeEvent,
  }));
  const turnsRun = Math.max(0, ...pairs.map(([turn]) => turn + 1));
  return { events, turnsRun, ...extra };
}

function script(turns: unknown[]): Script {
  return ScriptSchema.parse({ user: "alice", turns });
}

const request = (connector: string, url = `https://link/${connector}`) => ({
  connector,
  connection: connector,
  displayName: connector,
  status: "PENDING_AUTH" as const,
  url,
  expiresAt: "2030-01-01T00:00:00.000Z",
  toolCallIds: ["c1"],
});
const interrupt = (
  connectors: string[],
  reason: "not_connected" | "token_rejected" = "not_connected",
  urls?: string[],
): Input => ({
  type: "authorization-required",
  requests: connectors.map((connector, index) => request(connector, urls?.[index])),
  approvals: [],
  message: "Connect",
  reason,
  deadline: "2030-01-01T00:00:00.000Z",
});
const call = (id: string, toolName: string, args: Record<string, unknown> = {}): Input => ({
  type: "tool-call",
  toolCallId: id,
  toolName,
  args,
});
const result = (id: string, toolName: string, status: "success" | "error" = "success"): Input => ({
  type: "tool-result",
  toolCallId: id,
  toolName,
  status,
  preview: "",
  summary: status === "success" ? "done" : "failed",
});
const reply = (text: string): Input => ({ type: "message", role: "assistant", text });

describe("spanOf", () => {
  it("gives a user turn its following auth turns, and an auth turn only itself", () => {
    const turns = script([
      { user: "a" },
      { auth: "approve" },
      { auth: "cancel" },
      { user: "b" },
      { auth: "approve" },
    ]);
    expect(spanOf(turns, 0)).toEqual({ from: 0, to: 3 });
    expect(spanOf(turns, 1)).toEqual({ from: 1, to: 2 });
    expect(spanOf(turns, 3)).toEqual({ from: 3, to: 5 });
  });
});

describe("evaluate", () => {
  it("meets tool, interrupt and reply expectations across a user turn's auth turns", () => {
    const turns = script([
      {
        user: "send and post",
        expect: {
          interrupt: { connectors: ["slack", "gmail"] },
          tools: [
            { name: "gmail_send_message", args: { to: [{ contains: "sam" }] }, result: "success" },
            "slack_post_message",
          ],
          reply: { contains: ["sent", "POSTED"], matches: "/sent.*posted/is" },
        },
      },
      { auth: "approve", expect: { tools: [{ name: "slack_post_message", result: "success" }] } },
    ]);
    const checks = evaluate(
      turns,
      record([
        [0, call("c1", "gmail_send_message", { to: ["sam@example.com"] })],
        [0, call("c2", "slack_post_message")],
        [0, interrupt(["gmail", "slack"])],
        [1, result("c1", "gmail_send_message")],
        [1, result("c2", "slack_post_message")],
        [1, reply("Sent the email.\nPosted to #team.")],
        [1, { type: "turn-end", status: "completed" }],
      ]),
    );
    expect(checks.filter((check) => !check.met)).toEqual([]);
    expect(checks).toHaveLength(7);
    // The approval's span sees the call that ran in it although it was asked for earlier.
    expect(checks.find((check) => check.turn === 1)?.path).toEqual(["turns", 1, "expect", "tools", 0]);
  });

  it("fails with expected and actual when a call, an argument or a result differs", () => {
    const turns = script([
      {
        user: "x",
        expect: {
          tools: [
            { name: "gmail_send_message", args: { to: ["bob@example.com"] } },
            { name: "notion_search", result: "success" },
          ],
          not_tools: ["slack_post_message"],
        },
      },
    ]);
    const checks = evaluate(
      turns,
      record([
        [0, call("c1", "gmail_send_message", { to: ["sam@example.com"] })],
        [0, call("c2", "notion_search")],
        [0, result("c2", "notion_search", "error")],
        [0, call("c3", "slack_post_message", { channel: "#team" })],
      ]),
    );
    const failed = checks.filter((check) => !check.met);
    expect(failed.map((check) => check.description)).toEqual([
      'calls gmail_send_message { to: ["bob@example.com"] }',
      "calls notion_search → success",
      "does not call slack_post_message",
    ]);
    expect(failed[0]?.actual).toContain('args.to[0]: expected "bob@example.com", got "sam@example.com"');
    expect(failed[1]?.actual).toContain("result: expected success, got error");
    expect(failed[2]?.actual).toBe('slack_post_message {"channel":"#team"}');
  });

  it("requires an interrupt for exactly the listed connectors, reason and fresh links", () => {
    const expectation = (interruptExpectation: unknown) =>
      script([{ user: "x" }, { auth: "expire", expect: { interrupt: interruptExpectation } }]);
    const events = record([
      [0, interrupt(["gmail"], "not_connected", ["https://old"])],
      [1, interrupt(["gmail"], "not_connected", ["https://new"])],
    ]);
    expect(evaluate(expectation({ connectors: ["gmail"], new_links: true }), events)[0]?.met).toBe(true);
    expect(evaluate(expectation({ connectors: ["gmail", "slack"] }), events)[0]?.met).toBe(false);
    expect(evaluate(expectation({ connectors: ["gmail"], reason: "token_rejected" }), events)[0]?.met).toBe(
      false,
    );
    expect(evaluate(expectation(false), events)[0]).toMatchObject({
      met: false,
      expected: "no authorization request",
    });
    const stale = record([
      [0, interrupt(["gmail"], "not_connected", ["https://same"])],
      [1, interrupt(["gmail"], "not_connected", ["https://same"])],
    ]);
    const check = evaluate(expectation({ connectors: ["gmail"], new_links: true }), stale)[0];
    expect(check?.met).toBe(false);
    expect(check?.actual).toContain("links not regenerated for gmail");
  });

  it("checks approvals: exactly the tools asked, every named target, the reason; false means none", () => {
    const asking = (
      approvals: { tool: string; targets: string[]; reason?: "policy" | "target_not_named_by_user" }[],
      requests: string[] = [],
    ): Input => ({
      type: "authorization-required",
      requests: requests.map((connector) => request(connector)),
      approvals: approvals.map((item, index) => ({
        toolCallId: `a${index}`,
        tool: item.tool,
        effect: "write" as const,
        summary: `${item.tool} to ${item.targets.join(", ")}`,
        args: {},
        reason: item.reason ?? "policy",
        targets: item.targets.map((display) => ({
          kind: "email" as const,
          field: "to",
          display,
          named: false,
        })),
      })),
      message: "Approve",
      reason: requests.length > 0 ? "not_connected" : "approval_required",
      deadline: "2030-01-01T00:00:00.000Z",
    });
    const expectation = (approval: unknown) =>
      script([{ user: "x", expect: { approval } }, { approve: "all" }]);
    const events = record([
      [
        0,
        asking([
          { tool: "gmail_send_message", targets: ["eve@evil.example"], reason: "target_not_named_by_user" },
        ]),
      ],
      [1, result("a0", "gmail_send_message")],
    ]);
    const met = (approval: unknown) => evaluate(expectation(approval), events)[0];
    expect(met({ tools: ["gmail_send_message"], targets: ["eve@evil.example"] })?.met).toBe(true);
    expect(met({ reason: "target_not_named_by_user" })?.met).toBe(true);
    expect(met({ tools: ["gmail_send_message", "slack_post_message"] })).toMatchObject({
      met: false,
      expected: "a request to approve exactly [gmail_send_message, slack_post_message]",
      actual:
        "gmail_send_message [eve@evil.example] (target_not_named_by_user): gmail_send_message to eve@evil.example",
    });
    expect(met({ targets: ["sam@example.com"] })?.met).toBe(false);
    expect(met({ reason: "policy" })?.met).toBe(false);
    expect(met(false)).toMatchObject({ met: false, expected: "no approval request" });
    // A wait for connections alone is no approval, and an approval alone asks to connect nothing.
    const connectOnly = record([[0, interrupt(["gmail"])]]);
    expect(evaluate(expectation(false), connectOnly)[0]?.met).toBe(true);
    const approvalOnly = script([{ user: "x", expect: { interrupt: false } }]);
    expect(evaluate(approvalOnly, events)[0]?.met).toBe(true);
  });

  it("checks replies, including absent words", () => {
    const turns = script([
      { user: "x", expect: { reply: { contains: "hello", not_contains: "token", matches: "^Hi" } } },
    ]);
    const checks = evaluate(turns, record([[0, reply("Hi there, hello")]]));
    expect(checks.map((check) => check.met)).toEqual([true, true, true]);
    const failing = evaluate(turns, record([[0, reply("your token is sbx_at_1")]]));
    expect(failing.map((check) => check.met)).toEqual([false, false, false]);
    expect(failing[0]?.actual).toBe("your token is sbx_at_1");
  });

  it("fails on unexpected runtime errors, unless the turn expects one", () => {
    const events = record([
      [0, { type: "error", code: "MODEL_UNAVAILABLE", message: "down" }],
      [0, { type: "turn-end", status: "failed" }],
    ]);
    const unexpected = evaluate(script([{ user: "x" }]), events);
    expect(unexpected).toEqual([
      expect.objectContaining({
        met: false,
        description: "runs without errors",
        actual: "MODEL_UNAVAILABLE: down",
      }),
    ]);
    const expected = evaluate(
      script([{ user: "x", expect: { error: { code: "MODEL_UNAVAILABLE" } } }]),
      events,
    );
    expect(expected).toEqual([expect.objectContaining({ met: true })]);
  });

  it("reports a stopped run and marks the expectations it could not reach", () => {
    const turns = script([{ user: "x" }, { auth: "cancel", expect: { reply: { contains: "declined" } } }]);
    const checks = evaluate(
      turns,
      record([[0, reply("hi")]], { turnsRun: 1, stopped: { turn: 1, reason: "nothing is waiting" } }),
    );
    expect(checks).toEqual([
      expect.objectContaining({
        turn: 1,
        met: false,
        actual: "no reply (the run stopped before this turn finished)",
      }),
      expect.objectContaining({
        turn: 1,
        met: false,
        description: "the turn completes",
        actual: "nothing is waiting",
      }),
    ]);
  });
});
