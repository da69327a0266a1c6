/**
 * How the gate reads a person's answers as generic UIs send them (positional, Agent Chat UI's
 * shape), through a graph as the LangGraph server runs it: an answer it cannot read is applied not
 * at all and asked again with why; "reject" on a connection entry skips that connection alone.
 */
import { Command } from "@langchain/langgraph";
import { HumanMessage } from "langchain";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../../src/sandbox/index.js";
import { type FakeOpenAI, startFakeOpenAI } from "../../helpers/fake-openai-server.js";
import { serverGraph } from "../../helpers/server-graph.js";

let openai: FakeOpenAI;
let sandbox: Sandbox;
beforeEach(async () => {
  openai = await startFakeOpenAI();
  // One email and one Slack post; once results are in, it answers with what the tools said.
  openai.setResponder((body) => {
    if (body.messages.at(-1)?.role === "tool") {
      const results = body.messages
        .filter((message) => message.role === "tool")
        .map((m) => String(m.content));
      return { text: results.join(" | ").slice(0, 400) };
    }
    return {
      toolCalls: [
        {
          id: "call_mail",
          name: "gmail_send_message",
          args: { to: ["sam@example.com"], subject: "Lunch", body: "Noon?" },
        },
        { id: "call_post", name: "slack_post_message", args: { channel: "#team", text: "lunch at noon" } },
      ],
    };
  });
  sandbox = await startSandbox({ timeZone: "UTC" });
});
afterEach(async () => {
  await sandbox.close();
  await openai.close();
});

type Interrupt = {
  value: {
    approvals: { toolCallId: string }[];
    requests: { connector: string }[];
    error?: string;
    message: string;
  };
};

async function paused(user: { userId: string }, connected: ("gmail" | "slack")[]) {
  for (const connector of connected) await sandbox.controls.approve(user, connector);
  const agent = await serverGraph(sandbox, openai.url, user);
  const config = { configurable: { thread_id: `t-${user.userId}` } };
  const run = async (input: unknown) => {
    const result = (await agent.invoke(input as never, config)) as { __interrupt__?: Interrupt[] };
    return result.__interrupt__?.[0]?.value;
  };
  const first = await run({
    messages: [new HumanMessage("email sam@example.com about lunch and post 'lunch at noon' to #team")],
  });
  return { run, first };
}

/** Subjects of the mail these tests send (the seeded mailbox has sent mail of its own). */
const mails = (userId: string) =>
  sandbox.emulators.gmail
    .inspect(userId)
    .messages.filter(
      (m) => m.labelIds.includes("SENT") && ["Lunch", "EDITED"].includes(m.headers.subject ?? ""),
    )
    .map((m) => m.headers.subject);
const posts = (userId: string) => {
  const workspace = sandbox.emulators.slack.inspect(userId);
  return workspace.channels
    .flatMap((channel) => workspace.messages(channel.id))
    .filter((m) => m.text === "lunch at noon");
};

describe("the gate reading answers", () => {
  it("one unreadable positional decision voids them all: asked again with why, nothing shifted or ran", async () => {
    const user = { userId: "pia" };
    const { run, first } = await paused(user, ["gmail", "slack"]);
    expect(first?.approvals.map((approval) => approval.toolCallId)).toEqual(["call_mail", "call_post"]);
    // The first entry unreadable: the approve meant for the post must not land on the email.
    const again = await run(new Command({ resume: { decisions: [{ type: "maybe" }, { type: "approve" }] } }));
    expect(again?.error).toBe(
      "decisions[0] is not an approve, reject or edit (an edit needs its arguments as an object)",
    );
    expect(again?.message).toMatch(/^Your answer was not applied \(decisions\[0\].*\); nothing was done\./);
    expect(again?.approvals.map((approval) => approval.toolCallId)).toEqual(["call_mail", "call_post"]);
    expect(mails(user.userId)).toEqual([]);
    expect(posts(user.userId)).toEqual([]);
    // More answers than questions is refused the same way.
    const extra = await run(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }, { type: "approve" }] } }),
    );
    expect(extra?.error).toBe("3 answers for 2 questions");
    // A readable answer then applies, positionally, as meant; edited arguments as JSON text are read.
    const done = await run(
      new Command({
        resume: {
          decisions: [
            {
              type: "edit",
              edited_action: {
                name: "gmail_send_message",
                args: JSON.stringify({ to: ["sam@example.com"], subject: "EDITED", body: "Noon?" }),
              },
            },
            { type: "reject", message: "not today" },
          ],
        },
      }),
    );
    expect(done).toBeUndefined();
    expect(mails(user.userId)).toEqual(["EDITED"]);
    expect(posts(user.userId)).toEqual([]);
  });

  it("reject on a connection entry skips that connection: its calls are not done, the others run", async () => {
    const user = { userId: "rex" };
    const { run, first } = await paused(user, ["gmail"]);
    // Approvals first (the email, the post), then one entry for Slack.
    expect(first?.requests.map((request) => request.connector)).toEqual(["slack"]);
    const done = await run(
      new Command({ resume: { decisions: [{ type: "approve" }, { type: "approve" }, { type: "reject" }] } }),
    );
    expect(done).toBeUndefined();
    expect(mails(user.userId)).toEqual(["Lunch"]);
    expect(posts(user.userId)).toEqual([]);
    const answer = String(
      openai.requests
        .at(-1)
        ?.messages.filter((m) => m.role === "tool")
        .map((m) => m.content),
    );
    expect(answer).toContain("chose not to connect Slack");
  });
});
