import { describe, expect, it } from "vitest";
import { describe as describeInterrupt } from "../../../src/agent/authorization-flow.js";
import { isAuthorizationInterrupt, parseResumeValue } from "../../../src/agent/authorization-request.js";

const request = {
  connector: "google-calendar",
  connection: "googlecalendar",
  displayName: "Google Calendar",
  status: "PENDING_AUTH" as const,
  url: "https://env.scalekit.dev/magicLink/abc",
  expiresAt: "2026-11-25T15:00:00.000Z",
  toolCallIds: ["call_1"],
};

describe("the authorization_required interrupt", () => {
  it("is plain JSON with a readable description and a human-in-the-loop view", () => {
    const value = describeInterrupt([request], "not_connected");
    expect(isAuthorizationInterrupt(value)).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    expect(value.message).toBe("Connect Google Calendar to continue.");
    expect(value.description).toContain(request.url);
    expect(value.action_requests).toEqual([
      expect.objectContaining({
        name: "connect_google_calendar",
        args: { url: request.url, expiresAt: request.expiresAt },
      }),
    ]);
    expect(value.review_configs).toEqual([
      { action_name: "connect_google_calendar", allowed_decisions: ["approve", "reject"] },
    ]);
    expect(
      describeInterrupt([request, { ...request, connector: "slack", displayName: "Slack" }], "token_rejected")
        .message,
    ).toBe("Reconnect Google Calendar and Slack to continue.");
  });

  it("accepts resume values from the runtime, scripts and generic UIs", () => {
    expect(parseResumeValue({ action: "cancel" })).toEqual({ action: "cancel" });
    expect(parseResumeValue({ action: "recheck" })).toEqual({ action: "recheck" });
    expect(parseResumeValue("cancel")).toEqual({ action: "cancel" });
    expect(parseResumeValue({ decisions: [{ type: "approve" }] })).toEqual({ action: "recheck" });
    expect(parseResumeValue({ decisions: [{ type: "approve" }, { type: "reject" }] })).toEqual({
      action: "cancel",
    });
    expect(parseResumeValue(null)).toEqual({ action: "recheck" });
  });
});
