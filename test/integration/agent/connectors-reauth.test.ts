import { describe, expect, it } from "vitest";
import type { ConnectorId } from "../../../src/connectors/registry.js";
import { useOpenAIRuntime } from "../../helpers/openai-fixture.js";
import { collect, consent, ofType } from "../../helpers/sandbox-runtime.js";

const fixture = useOpenAIRuntime();
const start = () => fixture.start();

/** A read-only call per connector, and the Scalekit connection it needs. */
const READS: Record<ConnectorId, { connection: string; tool: string; args: Record<string, unknown> }> = {
  gmail: { connection: "gmail", tool: "gmail_search_messages", args: { query: "is:unread" } },
  "google-calendar": { connection: "googlecalendar", tool: "google_calendar_list_events", args: {} },
  slack: { connection: "slack", tool: "slack_list_channels", args: {} },
  notion: { connection: "notion", tool: "notion_search", args: { query: "roadmap" } },
  outlook: { connection: "outlook", tool: "outlook_search_messages", args: { unread_only: true } },
};

describe("every connector re-authorizes after its token is revoked", () => {
  for (const [connector, read] of Object.entries(READS)) {
    it(connector, async () => {
      const env = await start();
      const user = `reauth-${connector}`;
      await env.sandbox.controls.approve({ userId: user }, connector as ConnectorId);
      fixture.openai.enqueue(
        { toolCalls: [{ name: read.tool, args: read.args }] },
        { text: "First answer." },
      );
      const first = await collect(
        env.runtime.send({ userId: user, threadId: `t-${connector}`, text: "read" }),
      );
      expect(ofType(first, "tool-result")[0]?.status, JSON.stringify(first)).toBe("success");

      // Revoked at the provider: Scalekit still says ACTIVE, so only the call finds out.
      env.sandbox.controls.revokeAtProvider({ userId: user }, connector as ConnectorId);
      fixture.openai.enqueue(
        { toolCalls: [{ name: read.tool, args: read.args }] },
        { text: "Second answer." },
      );
      const second = await collect(
        env.runtime.send({ userId: user, threadId: `t-${connector}`, text: "again" }),
        async (event) => {
          if (event.type === "authorization-required") await consent(event.requests[0]?.url ?? "");
        },
      );
      const required = ofType(second, "authorization-required");
      expect(required).toHaveLength(1);
      expect(required[0]?.reason).toBe("token_rejected");
      expect(required[0]?.requests[0]?.connection).toBe(read.connection);
      expect(ofType(second, "tool-result").map((result) => result.status)).toEqual(["success"]);
      expect(ofType(second, "turn-end")[0]?.text).toBe("Second answer.");
    });
  }
});

describe("a batch across connectors", () => {
  it("asks once for Google Calendar and Slack, then posts exactly once", async () => {
    const env = await start();
    fixture.openai.enqueue(
      {
        toolCalls: [
          { name: "google_calendar_list_events", args: {} },
          { name: "slack_post_message", args: { channel: "#team", text: "Standup moved to 10:00" } },
        ],
      },
      { text: "Here is tomorrow, and I told #team." },
    );
    const interrupts: string[][] = [];
    const events = await collect(
      env.runtime.send({ userId: "batcher", threadId: "t-batch", text: "calendar + post to #team" }),
      async (event) => {
        if (event.type !== "authorization-required") return;
        interrupts.push(event.requests.map((request) => request.connection).sort());
        for (const request of event.requests) await consent(request.url);
      },
    );
    expect(interrupts).toEqual([["googlecalendar", "slack"]]);
    expect(
      env.sandbox.emulators.slack
        .inspect("batcher")
        .messages("#team")
        .filter((m) => m.text === "Standup moved to 10:00"),
    ).toHaveLength(1);
    expect(ofType(events, "tool-result").map((result) => result.status)).toEqual(["success", "success"]);
  });
});
