import { describe, expect, it } from "vitest";
import { useOpenAIRuntime } from "../../helpers/openai-fixture.js";
import { collect, consent, ofType } from "../../helpers/sandbox-runtime.js";

const fixture = useOpenAIRuntime({ tools: "catalog" });
const start = () => fixture.start();

describe("catalog mode: Scalekit-hosted tools", () => {
  it("lists the hosted tools as the model's tools, with their JSON schemas", async () => {
    const env = await start();
    fixture.openai.enqueue({ text: "Hi." });
    await collect(env.runtime.send({ userId: "ann", threadId: "c1", text: "hi" }));
    const tools = (fixture.openai.requests[0]?.tools ?? []).map((t) => t.function.name).sort();
    // The sandbox hosts Scalekit's read and write tools for every built-in connector.
    expect(tools).toHaveLength(28);
    expect(tools).toEqual(
      expect.arrayContaining([
        "gmail_fetch_mails",
        "gmail_send_message",
        "googlecalendar_delete_event",
        "googlecalendar_find_free_slots",
        "notion_page_append_blocks",
        "notion_page_create",
        "outlook_send_message",
        "slack_list_channels",
        "slack_send_message",
      ]),
    );
    const send = fixture.openai.requests[0]?.tools?.find((t) => t.function.name === "slack_send_message");
    expect(send?.function.parameters).toMatchObject({ required: ["channel", "text"] });
    const append = fixture.openai.requests[0]?.tools?.find(
      (t) => t.function.name === "notion_page_append_blocks",
    );
    expect(append?.function.parameters).toMatchObject({ required: ["parent_page_id", "child_blocks"] });
  });

  it("runs a hosted tool behind the same gate: interrupt, consent, executeTool on the seeded data", async () => {
    const env = await start();
    fixture.openai.enqueue(
      { toolCalls: [{ name: "gmail_fetch_mails", args: { query: "invoice", max_results: 5 } }] },
      { text: "Three invoices." },
    );
    const events = await collect(
      env.runtime.send({ userId: "ben", threadId: "c2", text: "invoices?" }),
      async (event) => {
        if (event.type === "authorization-required") await consent(event.requests[0]?.url ?? "");
      },
    );
    expect(ofType(events, "authorization-required")[0]?.requests.map((r) => r.connection)).toEqual(["gmail"]);
    const result = ofType(events, "tool-result")[0];
    expect(result?.status).toBe("success");
    expect(result?.summary).toBe("3 messages");
    expect(String(fixture.openai.requests[1]?.messages.at(-1)?.content)).toContain("INV-21407");
    expect(env.sandbox.scalekit.calls.count("ExecuteTool")).toBe(1);
  });

  it("reports a tool-level error to the model, and re-authorizes when Scalekit says the token is unauthorized", async () => {
    const env = await start();
    await env.sandbox.controls.approve({ userId: "cy" }, "slack");
    fixture.openai.enqueue(
      { toolCalls: [{ name: "slack_send_message", args: { channel: "#no-such-channel", text: "hi" } }] },
      { text: "No such channel." },
    );
    const failed = await collect(
      env.runtime.send({ userId: "cy", threadId: "c3", text: "post hi to #no-such-channel" }),
    );
    expect(ofType(failed, "authorization-required")).toHaveLength(0);
    expect(ofType(failed, "tool-result")[0]?.status).toBe("error");
    expect(ofType(failed, "tool-result")[0]?.preview).toMatch(/not found/i);

    env.sandbox.controls.revoke({ userId: "cy" }, "slack");
    // The cache no longer vouches for Slack, so the gate asks before anything runs.
    fixture.openai.enqueue(
      { toolCalls: [{ name: "slack_send_message", args: { channel: "#team", text: "catalog hello" } }] },
      { text: "Posted." },
    );
    const again = await collect(
      env.runtime.send({ userId: "cy", threadId: "c3", text: "post to #team" }),
      async (event) => {
        if (event.type === "authorization-required") await consent(event.requests[0]?.url ?? "");
      },
    );
    expect(ofType(again, "authorization-required")).toHaveLength(1);
    expect(ofType(again, "tool-result")[0]?.status).toBe("success");
    expect(
      env.sandbox.emulators.slack
        .inspect("cy")
        .messages("#team")
        .filter((m) => m.text === "catalog hello"),
    ).toHaveLength(1);
  });

  it("turns a token Scalekit rejects mid-call into a re-authorization interrupt", async () => {
    const env = await start();
    await env.sandbox.controls.approve({ userId: "dee" }, "gmail");
    fixture.openai.enqueue(
      { toolCalls: [{ name: "gmail_fetch_mails", args: { query: "is:unread" } }] },
      { text: "One." },
    );
    await collect(env.runtime.send({ userId: "dee", threadId: "c4", text: "unread" }));
    // Revoked at the provider while Scalekit still says ACTIVE: ExecuteTool answers unauthorized.
    env.sandbox.controls.revokeAtProvider({ userId: "dee" }, "gmail");
    fixture.openai.enqueue(
      { toolCalls: [{ name: "gmail_fetch_mails", args: { query: "is:unread" } }] },
      { text: "Two." },
    );
    const events = await collect(
      env.runtime.send({ userId: "dee", threadId: "c4", text: "unread again" }),
      async (event) => {
        if (event.type === "authorization-required") await consent(event.requests[0]?.url ?? "");
      },
    );
    expect(ofType(events, "authorization-required")[0]?.reason).toBe("token_rejected");
    expect(ofType(events, "tool-result").map((r) => r.status)).toEqual(["success"]);
  });
});
