/**
 * What each party sees of a thread that waits for the person: the model (a tool result Delegate
 * did not produce is "this call did not run"), the person (an edit that fails the tool's schema is
 * asked again with what is wrong; `getThread` and `listPendingAuthorizations` show the approvals
 * and links) and the operator (`listWaitingThreads`: who waits for what, never a link).
 */
import { HumanMessage, ToolMessage } from "langchain";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NOT_RUN_TEXT, NOT_SETTLED_TEXT } from "../../../src/agent/produced-messages.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/index.js";
import {
  assertValidOpenAIConversation,
  type FakeOpenAI,
  startFakeOpenAI,
} from "../../helpers/fake-openai-server.js";
import {
  collect,
  ofType,
  type SandboxRuntime,
  startOpenAIRuntime,
  waitFor,
} from "../../helpers/sandbox-runtime.js";
import { serverGraph } from "../../helpers/server-graph.js";

let openai: FakeOpenAI;
let env: SandboxRuntime | undefined;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeEach(async () => {
  openai = await startFakeOpenAI();
  // Every first request plans one email; once a tool result or a follow-up is in, it answers.
  openai.setResponder((body) => {
    const last = body.messages.at(-1);
    if (last?.role === "tool" || body.messages.filter((m) => m.role === "user").length > 1) {
      return { text: "Here is where things stand." };
    }
    return {
      toolCalls: [
        {
          name: "gmail_send_message",
          args: { to: ["sam@example.com"], subject: "Plan", body: "The plan is attached." },
        },
      ],
    };
  });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await env?.close();
  env = undefined;
  await openai.close();
});

const REQUEST = "email the plan to sam@example.com";

/** A runtime whose writes are always asked; `connected` connects Gmail ahead. */
async function start(userId: string, connected: boolean): Promise<SandboxRuntime> {
  env = await startOpenAIRuntime(openai.url, { approvals: "write=ask" });
  if (connected) await env.sandbox.controls.approve({ userId }, "gmail");
  return env;
}

/** Subjects of the mail the tests' calls sent (the seeded mailbox has sent mail of its own). */
function sent(sandbox: Sandbox, userId: string): string[] {
  return sandbox.emulators.gmail
    .inspect(userId)
    .messages.filter((m) => m.labelIds.includes("SENT") && (m.headers.subject ?? "").startsWith("Plan"))
    .map((m) => m.headers.subject ?? "");
}

const required = (events: RuntimeEvent[]) => ofType(events, "authorization-required");

/**
 * The LangGraph server's way: one assembly, a graph with the caller's identity and a
 * checkpointer, run until the gate asks the person about the email.
 */
async function pausedOnApproval(user: { userId: string }, threadId: string) {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  cleanups.push(() => sandbox.close());
  await sandbox.controls.approve(user, "gmail");
  const agent = await serverGraph(sandbox, openai.url, user);
  const config = { configurable: { thread_id: threadId } };
  const paused = await agent.invoke({ messages: [new HumanMessage(REQUEST)] }, config);
  const interrupts = (paused as { __interrupt__?: { value: { approvals: { toolCallId: string }[] } }[] })
    .__interrupt__;
  const toolCallId = interrupts?.[0]?.value.approvals[0]?.toolCallId as string;
  expect(toolCallId).toBeTruthy();
  return { sandbox, agent, config, toolCallId };
}

describe("approval views", () => {
  it("a tool result Delegate did not produce reaches the model as 'this call did not run'", async () => {
    const user = { userId: "uma" };
    const { sandbox, agent, config, toolCallId } = await pausedOnApproval(user, "t-ui");
    // The person types instead of deciding; the UI answers the pending call itself (Agent Chat UI).
    const asked = openai.requests.length;
    await agent.invoke(
      {
        messages: [
          new ToolMessage({
            content: "Successfully handled tool call.",
            tool_call_id: toolCallId,
            name: "gmail_send_message",
          }),
          new HumanMessage("did it go out?"),
        ],
      },
      config,
    );
    expect(openai.requests.length).toBe(asked + 1);
    const seen = openai.requests.at(-1)?.messages ?? [];
    const results = seen.filter((message) => message.role === "tool");
    expect(results).toEqual([expect.objectContaining({ tool_call_id: toolCallId, content: NOT_RUN_TEXT })]);
    expect(JSON.stringify(seen)).not.toContain("Successfully handled tool call.");
    // The checkpoint keeps what the client wrote; only the model's view is rewritten. Nothing ran.
    const state = await agent.graph.getState(config);
    const stored = (state.values as { messages: unknown[] }).messages.filter((m) =>
      ToolMessage.isInstance(m),
    );
    expect(stored.map((m) => (m as ToolMessage).content)).toEqual(["Successfully handled tool call."]);
    expect(sent(sandbox, user.userId)).toEqual([]);
  });

  it("the person writes instead of deciding: the unsettled call reaches the model as not run, in a valid request", async () => {
    const user = { userId: "vic" };
    const { sandbox, agent, config, toolCallId } = await pausedOnApproval(user, "t-typed");
    // A client sends a new message on the waiting thread, answering nothing.
    await agent.invoke({ messages: [new HumanMessage("actually, wait")] }, config);
    const seen = openai.requests.at(-1)?.messages ?? [];
    assertValidOpenAIConversation(seen);
    expect(seen.filter((message) => message.role === "tool")).toEqual([
      expect.objectContaining({ tool_call_id: toolCallId, content: NOT_SETTLED_TEXT }),
    ]);
    expect(seen.at(-1)).toMatchObject({ role: "user", content: "actually, wait" });
    expect(sent(sandbox, user.userId)).toEqual([]);
  });

  it("an edit that fails the tool's schema is asked again with what is wrong, and nothing runs", async () => {
    const userId = "eve";
    const thread = { userId, threadId: "t-edit" };
    const { runtime, sandbox, events } = await start(userId, true);
    await collect(runtime.send({ ...thread, text: REQUEST, waitForAuthorization: false }));
    const [first] = required(events);
    expect(first?.approvals).toHaveLength(1);
    expect(first?.approvals[0]?.error).toBeUndefined();
    const toolCallId = first?.approvals[0]?.toolCallId as string;
    // No subject and an address that is not one.
    await collect(
      runtime.decide({
        ...thread,
        decisions: [{ toolCallId, type: "edit", args: { to: ["not an address"], body: "edited" } }],
      }),
    );
    const again = required(events).at(-1);
    expect(required(events)).toHaveLength(2);
    expect(again?.reason).toBe("approval_required");
    expect(again?.approvals.map((approval) => approval.toolCallId)).toEqual([toolCallId]);
    expect(again?.approvals[0]?.error).toMatch(/subject/);
    expect(again?.approvals[0]?.error).toMatch(/to\.0/);
    // The call still stands as the model proposed it; nothing ran and the turn did not end.
    expect(again?.approvals[0]?.args).toMatchObject({ to: ["sam@example.com"], subject: "Plan" });
    expect(ofType(events, "tool-result")).toEqual([]);
    expect(ofType(events, "turn-end")).toEqual([]);
    expect(sent(sandbox, userId)).toEqual([]);
    expect((await runtime.getThread(thread)).pendingAuthorization?.approvals[0]?.error).toBe(
      again?.approvals[0]?.error,
    );
    // A valid edit then runs once, with the edited arguments.
    await collect(
      runtime.decide({
        ...thread,
        decisions: [
          { toolCallId, type: "edit", args: { to: ["sam@example.com"], subject: "Plan v2", body: "edited" } },
        ],
      }),
    );
    await waitFor(() => ofType(events, "turn-end").length > 0, 10_000, "the turn to end");
    expect(sent(sandbox, userId)).toEqual(["Plan v2"]);
  });

  it("getThread shows the approvals a waiting thread needs", async () => {
    const userId = "gus";
    const thread = { userId, threadId: "t-view" };
    const { runtime, events } = await start(userId, true);
    await collect(runtime.send({ ...thread, text: REQUEST, waitForAuthorization: false }));
    const [asked] = required(events);
    const view = await runtime.getThread(thread);
    expect(view.pendingAuthorization).toMatchObject({
      threadId: "t-view",
      userId,
      reason: "approval_required",
      connections: [],
      requests: [],
      approvals: [
        {
          toolCallId: asked?.approvals[0]?.toolCallId,
          tool: "gmail_send_message",
          args: { to: ["sam@example.com"], subject: "Plan", body: "The plan is attached." },
        },
      ],
    });
    expect(view.pendingAuthorization?.approvals[0]?.summary).toContain("sam@example.com");
    expect(Date.parse(view.pendingAuthorization?.deadline ?? "")).toBeGreaterThan(Date.now());
    // The pending call is in the history too, with no result yet.
    const last = view.messages.at(-1);
    expect(last?.role).toBe("assistant");
    expect(last?.role === "assistant" && last.toolCalls?.map((call) => call.id)).toEqual([
      asked?.approvals[0]?.toolCallId,
    ]);
  });

  it("listWaitingThreads never carries a link; the user's listPendingAuthorizations does", async () => {
    const userId = "ola";
    const thread = { userId, threadId: "t-ops" };
    const { runtime, events } = await start(userId, false);
    await collect(runtime.send({ ...thread, text: REQUEST, waitForAuthorization: false }));
    const [asked] = required(events);
    const link = asked?.requests[0]?.url as string;
    expect(link).toMatch(/^https?:\/\//);
    const mine = await runtime.listPendingAuthorizations({ userId });
    expect(mine).toHaveLength(1);
    expect(mine[0]?.requests.map((request) => request.url)).toEqual([link]);
    expect(mine[0]?.approvals).toHaveLength(1);
    const waiting = await runtime.listWaitingThreads();
    const json = JSON.stringify(waiting);
    expect(json).not.toContain(link);
    expect(json).not.toContain(new URL(link).pathname);
    expect(json).not.toMatch(/https?:\/\//);
    expect(waiting).toEqual([
      {
        threadId: "t-ops",
        userId,
        connections: ["gmail"],
        reason: "not_connected",
        createdAt: mine[0]?.createdAt,
        deadline: mine[0]?.deadline,
      },
    ]);
  });
});
