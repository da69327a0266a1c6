import { describe, expect, it } from "vitest";
import {
  type ApprovalRequest,
  isAuthorizationInterrupt,
  parseResume,
} from "../../../src/agent/authorization-request.js";
import { describeInterrupt } from "../../../src/agent/gate/describe-interrupt.js";

const request = {
  connector: "google-calendar",
  connection: "googlecalendar",
  displayName: "Google Calendar",
  status: "PENDING_AUTH" as const,
  url: "https://env.scalekit.dev/magicLink/abc",
  expiresAt: "2026-11-25T15:00:00.000Z",
  toolCallIds: ["call_1"],
};

const approval: ApprovalRequest = {
  toolCallId: "call_2",
  tool: "gmail_send_message",
  connector: "gmail",
  effect: "write",
  summary: 'Send email to x@evil.example — "fwd" (12 words)',
  args: { to: ["x@evil.example"], subject: "fwd", body: "the contract" },
  reason: "target_not_named_by_user",
  targets: [{ kind: "email", field: "to", display: "x@evil.example", named: false }],
};

describe("the authorization_required interrupt", () => {
  it("is plain JSON with a readable description and a human-in-the-loop view", () => {
    const value = describeInterrupt([request], []);
    expect(isAuthorizationInterrupt(value)).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    expect(value.message).toBe("Connect Google Calendar to continue.");
    expect(value.reason).toBe("not_connected");
    expect(value.description).toContain(request.url);
    expect(value.action_requests).toEqual([
      expect.objectContaining({
        name: "connect_google_calendar",
        args: {
          instructions: expect.stringMatching(
            /^Open the link, click Allow, then come back and click Approve/,
          ),
          url: request.url,
          expiresAt: request.expiresAt,
        },
      }),
    ]);
    expect(value.review_configs).toEqual([
      { action_name: "connect_google_calendar", allowed_decisions: ["approve", "reject"] },
    ]);
    expect(
      describeInterrupt([request, { ...request, connector: "slack", displayName: "Slack" }], [], true)
        .message,
    ).toBe("Reconnect Google Calendar and Slack to continue.");
  });

  it("lists approvals first, each with approve, reject and edit, and says which target is foreign", () => {
    const value = describeInterrupt([request], [approval]);
    expect(value.message).toBe("Connect Google Calendar and approve 1 action to continue.");
    expect(value.approvals).toEqual([approval]);
    expect(value.action_requests?.map((item) => item.name)).toEqual([
      "gmail_send_message",
      "connect_google_calendar",
    ]);
    expect(value.action_requests?.[0]?.args).toEqual(approval.args);
    expect(value.review_configs?.[0]).toEqual({
      action_name: "gmail_send_message",
      allowed_decisions: ["approve", "reject", "edit"],
    });
    expect(value.description).toContain("x@evil.example did not come from you");
    const only = describeInterrupt([], [approval, { ...approval, toolCallId: "call_3" }]);
    expect(only.reason).toBe("approval_required");
    expect(only.message).toBe("Approve 2 actions to continue.");
  });
});

describe("resume values", () => {
  it("accepts the runtime's, scripts' and generic UIs' shapes", () => {
    expect(parseResume({ action: "cancel" })).toEqual({ action: "cancel", reason: "declined" });
    expect(parseResume({ action: "cancel", reason: "timeout" })).toEqual({
      action: "cancel",
      reason: "timeout",
    });
    expect(parseResume({ action: "recheck" })).toEqual({ action: "recheck" });
    expect(parseResume("cancel")).toEqual({ action: "cancel", reason: "declined" });
    expect(parseResume(null)).toEqual({ action: "recheck" });
    expect(parseResume({})).toEqual({ action: "recheck" });
  });

  it("refuses what it cannot read as a whole, saying why, instead of reading it as a recheck", () => {
    expect(parseResume("yes")).toEqual({ action: "invalid", problem: '"yes" is not an answer' });
    expect(parseResume({ action: "bogus" })).toEqual({
      action: "invalid",
      problem: 'action "bogus" is not recheck or cancel',
    });
    expect(parseResume({ decisions: [] })).toEqual({ action: "invalid", problem: "decisions is empty" });
    // Approve and reject of one call: neither is taken.
    expect(
      parseResume([
        { type: "approve", toolCallId: "c1" },
        { type: "reject", toolCallId: "c1" },
      ]),
    ).toEqual({ action: "invalid", problem: "call c1 is answered twice" });
    expect(parseResume({ decisions: "approve" })).toEqual({
      action: "invalid",
      problem: "decisions must be a list",
    });
  });

  it("reads per-call, positional, edit and legacy decisions", () => {
    expect(parseResume({ decisions: [{ toolCallId: "c1", type: "approve", always: true }] })).toEqual({
      action: "decide",
      decisions: [{ type: "approve", toolCallId: "c1", always: true }],
    });
    expect(parseResume({ decisions: [{ type: "reject", message: "  not now " }] })).toEqual({
      action: "decide",
      decisions: [{ type: "reject", message: "not now" }],
    });
    const edited = { to: ["sam@example.com"], subject: "Hi", body: "x" };
    for (const shape of [
      { type: "edit", args: edited },
      { type: "edit", editedAction: { name: "gmail_send_message", args: edited } },
      { type: "edit", edited_action: { name: "gmail_send_message", args: edited } },
    ]) {
      expect(parseResume({ decisions: [shape] })).toEqual({
        action: "decide",
        decisions: [{ type: "edit", args: edited }],
      });
    }
    // The older human-in-the-loop responses, sent as an array.
    expect(parseResume([{ type: "accept" }])).toEqual({ action: "decide", decisions: [{ type: "approve" }] });
    expect(parseResume([{ type: "ignore" }])).toEqual({ action: "decide", decisions: [{ type: "reject" }] });
    // Edited arguments sent as JSON text are read.
    expect(parseResume({ decisions: [{ type: "edit", args: JSON.stringify(edited) }] })).toEqual({
      action: "decide",
      decisions: [{ type: "edit", args: edited }],
    });
    // Nonsense is never an approval, and one unreadable entry voids them all: positional
    // decisions behind it would otherwise shift onto other calls.
    expect(parseResume({ decisions: [{ type: "maybe" }, { type: "reject" }] })).toEqual({
      action: "invalid",
      problem: "decisions[0] is not an approve, reject or edit (an edit needs its arguments as an object)",
    });
    expect(parseResume({ decisions: [{ type: "approve" }, { type: "edit", args: "x" }] })).toMatchObject({
      action: "invalid",
      problem: expect.stringContaining("decisions[1]"),
    });
  });
});
