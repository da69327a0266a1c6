import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../../../src/agent/authorization-request.js";
import { decisionsFor } from "../../../src/cli/run/decisions.js";

const approval = (toolCallId: string, tool: string): ApprovalRequest => ({
  toolCallId,
  tool,
  effect: "destructive",
  summary: tool,
  args: {},
  reason: "policy",
  targets: [],
});
const waiting = [approval("c1", "google_calendar_delete_event"), approval("c2", "gmail_send_message")];

describe("decisionsFor", () => {
  it("decides every waiting call, or those of the listed tools, by toolCallId", () => {
    expect(decisionsFor(waiting, { type: "approve", tools: "all" })).toEqual([
      { toolCallId: "c1", type: "approve" },
      { toolCallId: "c2", type: "approve" },
    ]);
    expect(
      decisionsFor(waiting, { type: "reject", tools: ["gmail_send_message"], reason: "not now" }),
    ).toEqual([{ toolCallId: "c2", type: "reject", message: "not now" }]);
  });

  it("refuses a tool with no waiting call, naming what is waiting", () => {
    expect(() => decisionsFor(waiting, { type: "approve", tools: ["slack_post_message"] })).toThrow(
      "`approve`: no call of slack_post_message is waiting for approval; waiting: google_calendar_delete_event, gmail_send_message",
    );
    expect(() => decisionsFor([], { type: "reject", tools: "all" })).toThrow(
      "`reject`: no call is waiting for approval",
    );
  });
});
