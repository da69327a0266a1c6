/**
 * What a resumed wait does with the batch it continues: the message is told once however the
 * person answered, a cancel refuses only the calls it names (not one the person approved in an
 * earlier round, nor a later call that reuses an id), and each result is reported.
 */
import { describe, expect, it } from "vitest";
import { useOpenAIRuntime } from "../../helpers/openai-fixture.js";
import { collect, ofType, type SandboxRuntime, waitFor } from "../../helpers/sandbox-runtime.js";

const fixture = useOpenAIRuntime();
let env: SandboxRuntime | undefined;

const PLAN = { to: ["sam@example.com"], subject: "Plan", body: "b" };

async function start(userId: string, approvals: string): Promise<SandboxRuntime> {
  env = await fixture.start({ approvals });
  await env.sandbox.controls.approve({ userId }, "gmail");
  return env;
}

function sent(env: SandboxRuntime, userId: string): string[] {
  return env.sandbox.emulators.gmail
    .inspect(userId)
    .messages.filter((m) => m.labelIds.includes("SENT") && (m.headers.subject ?? "").startsWith("Plan"))
    .map((m) => m.headers.subject ?? "");
}

describe("resuming a wait", () => {
  it("an edited call: the message is told once, the call again with the edit; it runs once", async () => {
    const userId = "ed";
    const { runtime, events } = await start(userId, "write=ask");
    const thread = { userId, threadId: "t-ed" };
    fixture.openai.enqueue(
      { text: "Sending it now.", toolCalls: [{ name: "gmail_send_message", args: PLAN }] },
      { text: "Done." },
    );
    await collect(
      runtime.send({ ...thread, text: "email the plan to sam@example.com", waitForAuthorization: false }),
    );
    const toolCallId = ofType(events, "authorization-required")[0]?.approvals[0]?.toolCallId as string;
    await collect(
      runtime.decide({
        ...thread,
        decisions: [{ toolCallId, type: "edit", args: { ...PLAN, subject: "Plan v2" } }],
      }),
    );
    await waitFor(() => ofType(events, "turn-end").length > 0, 10_000, "the turn to end");
    expect(ofType(events, "message").map((event) => event.text)).toEqual(["Sending it now.", "Done."]);
    // As asked, then as it runs (a REPL line or a script check then shows what really ran).
    expect(ofType(events, "tool-call").map((event) => [event.toolCallId, event.args.subject])).toEqual([
      [toolCallId, PLAN.subject],
      [toolCallId, "Plan v2"],
    ]);
    expect(ofType(events, "tool-result").map((event) => [event.toolCallId, event.status])).toEqual([
      [toolCallId, "success"],
    ]);
    expect(ofType(events, "turn-end").at(-1)?.text).toBe("Done.");
    expect(sent(env as SandboxRuntime, userId)).toEqual(["Plan v2"]);
  });

  it("cancelling a later wait keeps a call the person approved in an earlier round", async () => {
    const userId = "ca";
    // Gmail is connected, Slack is not; the send is asked, the post is not.
    const { runtime, events } = await start(userId, "gmail_send_message=ask,write=auto");
    const thread = { userId, threadId: "t-ca" };
    fixture.openai.enqueue(
      {
        toolCalls: [
          { id: "call_a", name: "gmail_send_message", args: PLAN },
          { id: "call_b", name: "slack_post_message", args: { channel: "#general", text: "hi" } },
        ],
      },
      { text: "Sent the plan; the post was cancelled." },
    );
    await collect(
      runtime.send({
        ...thread,
        text: "email the plan to sam@example.com and post hi in #general",
        waitForAuthorization: false,
      }),
    );
    expect(ofType(events, "authorization-required")[0]?.approvals.map((a) => a.toolCallId)).toEqual([
      "call_a",
    ]);
    await collect(runtime.decide({ ...thread, decisions: [{ toolCallId: "call_a", type: "approve" }] }));
    await waitFor(() => ofType(events, "authorization-required").length === 2, 10_000, "the Slack wait");
    await collect(runtime.cancel(thread));
    await waitFor(() => ofType(events, "turn-end").length > 0, 10_000, "the turn to end");
    expect(sent(env as SandboxRuntime, userId)).toEqual(["Plan"]);
    const results = Object.fromEntries(
      ofType(events, "tool-result").map((event) => [event.toolCallId, event.status]),
    );
    expect(results).toEqual({ call_a: "success", call_b: "error" });
  });

  it("after a cancel, a later call of the same run that reuses the cancelled id runs and is reported", async () => {
    const userId = "cb";
    const { runtime, events } = await start(userId, "write=ask");
    const thread = { userId, threadId: "t-cb" };
    fixture.openai.enqueue(
      { toolCalls: [{ id: "call_0", name: "gmail_send_message", args: PLAN }] },
      // After the cancel the model looks something up; its provider numbers calls per message.
      { toolCalls: [{ id: "call_0", name: "gmail_search_messages", args: { query: "is:unread" } }] },
      { text: "Nothing was sent; here is your unread mail." },
    );
    await collect(
      runtime.send({ ...thread, text: "email the plan to sam@example.com", waitForAuthorization: false }),
    );
    await collect(runtime.cancel(thread));
    await waitFor(() => ofType(events, "turn-end").length > 0, 10_000, "the turn to end");
    expect(sent(env as SandboxRuntime, userId)).toEqual([]);
    expect(ofType(events, "tool-result").map((event) => [event.toolName, event.status])).toEqual([
      ["gmail_send_message", "error"],
      ["gmail_search_messages", "success"],
    ]);
    expect(ofType(events, "tool-call").map((event) => event.toolName)).toEqual([
      "gmail_send_message",
      "gmail_search_messages",
    ]);
  });
});
