/**
 * What an embedder relies on beyond the happy path: a decision for a call nobody asked about is
 * refused (not silently re-asked), a busy thread says what it waits for, streamed text names its
 * message, and a closed runtime says so — on every call, on open streams and to webhooks.
 */
import { afterEach, describe, expect, it } from "vitest";
import { isDelegateError } from "../../../src/errors.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import {
  collect,
  ofType,
  type SandboxRuntime,
  startSandboxRuntime,
  waitFor,
} from "../../helpers/sandbox-runtime.js";

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const EMAIL = "email sam@example.com about lunch saying see you at noon";
const thread = { userId: "ada", threadId: "t1" };

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** A thread paused on the person's approval of the email (Gmail already connected). */
async function pausedOnApproval(): Promise<{ env: SandboxRuntime; toolCallId: string }> {
  env = await startSandboxRuntime({ approvals: "write=ask" });
  await env.sandbox.controls.approve({ userId: "ada" }, "gmail");
  const events = await collect(env.runtime.send({ ...thread, text: EMAIL, waitForAuthorization: false }));
  const toolCallId = ofType(events, "authorization-required")[0]?.approvals[0]?.toolCallId ?? "";
  expect(toolCallId).not.toBe("");
  return { env, toolCallId };
}

describe("the runtime's contract with embedders", () => {
  it("a decision naming a call that waits for none is refused, and the real one still runs", async () => {
    const { env, toolCallId } = await pausedOnApproval();
    const refused = await rejection(() =>
      collect(env.runtime.decide({ ...thread, decisions: [{ toolCallId: "call_nope", type: "approve" }] })),
    );
    expect(isDelegateError(refused, "INVALID_INPUT")).toBe(true);
    expect((refused as Error).message).toContain("call_nope");
    // Two answers for one call are refused too, whichever comes first.
    const twice = await rejection(() =>
      collect(
        env.runtime.decide({
          ...thread,
          decisions: [
            { toolCallId, type: "approve" },
            { toolCallId, type: "reject" },
          ],
        }),
      ),
    );
    expect(isDelegateError(twice, "INVALID_INPUT")).toBe(true);
    expect((refused as Error).message).toContain(toolCallId);
    // Nothing ran and nothing was asked again: the thread still waits for the same call.
    expect((await env.runtime.getThread(thread)).pendingAuthorization?.approvals[0]?.toolCallId).toBe(
      toolCallId,
    );
    const events = await collect(
      env.runtime.decide({ ...thread, decisions: [{ toolCallId, type: "approve" }] }),
    );
    expect(ofType(events, "tool-result")[0]).toMatchObject({ toolCallId, status: "success" });
  });

  it("two decisions at once: one runs, the other is refused and is never shown the winner's run", async () => {
    const { env, toolCallId } = await pausedOnApproval();
    const outcome = (type: "approve" | "reject") =>
      collect(env.runtime.decide({ ...thread, decisions: [{ toolCallId, type }] })).then(
        (events) => ({ events, error: undefined as unknown }),
        (error: unknown) => ({ events: [] as RuntimeEvent[], error }),
      );
    const [approve, reject] = await Promise.all([outcome("approve"), outcome("reject")]);
    const won = [approve, reject].filter((result) => result.error === undefined);
    const lost = [approve, reject].filter((result) => result.error !== undefined);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(ofType(won[0]?.events ?? [], "turn-end")).toHaveLength(1);
    const error = lost[0]?.error;
    expect(isDelegateError(error, "THREAD_NOT_WAITING") || isDelegateError(error, "THREAD_RESUMING")).toBe(
      true,
    );
    // The mail went out only if the approval won.
    const sent = env.sandbox.emulators.gmail
      .inspect("ada")
      .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));
    expect(sent).toHaveLength(won[0] === approve ? 1 : 0);
  });

  it("a decision for a thread that waits only for an account is refused as naming no waiting call", async () => {
    const started = await startSandboxRuntime();
    env = started;
    await collect(
      started.runtime.send({ ...thread, text: "show my unread email", waitForAuthorization: false }),
    );
    const refused = await rejection(() =>
      collect(started.runtime.decide({ ...thread, decisions: [{ toolCallId: "c1", type: "approve" }] })),
    );
    expect(isDelegateError(refused, "INVALID_INPUT")).toBe(true);
    expect((refused as Error).message).toContain("waits for gmail to be connected");
    expect(await started.runtime.listPendingAuthorizations({ userId: "ada" })).toHaveLength(1);
  });

  it("an edited call is told again with the arguments it runs with, before its result", async () => {
    const { env, toolCallId } = await pausedOnApproval();
    const asked = (await env.runtime.getThread(thread)).pendingAuthorization?.approvals[0]?.args ?? {};
    const edited = { ...asked, subject: "Lunch moved" };
    const events = await collect(
      env.runtime.decide({ ...thread, decisions: [{ toolCallId, type: "edit", args: edited }] }),
    );
    const calls = ofType(events, "tool-call").filter((event) => event.toolCallId === toolCallId);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args).toMatchObject({ subject: "Lunch moved" });
    const order = events.map((event) => event.type);
    expect(order.indexOf("tool-call")).toBeLessThan(order.indexOf("tool-result"));
    expect(ofType(events, "tool-result")[0]).toMatchObject({ toolCallId, status: "success" });
  });

  it("an edit decided before the account is connected is told when the call runs, after consent", async () => {
    env = await startSandboxRuntime({ approvals: "write=ask" });
    const { runtime } = env;
    const first = await collect(runtime.send({ ...thread, text: EMAIL, waitForAuthorization: false }));
    const asked = ofType(first, "authorization-required")[0];
    expect(asked?.requests.map((request) => request.connector)).toEqual(["gmail"]);
    const toolCallId = asked?.approvals[0]?.toolCallId ?? "";
    const args = { ...asked?.approvals[0]?.args, subject: "Lunch moved" };
    // Decided, but Gmail is still to connect: asked again for the connection alone.
    const decided = await collect(
      runtime.decide({ ...thread, decisions: [{ toolCallId, type: "edit", args }] }),
    );
    expect(decided.at(-1)).toMatchObject({ type: "authorization-required", approvals: [] });
    const from = env.events.length;
    // Consent: the webhook or the poll resumes the thread, whichever comes first.
    await env.sandbox.controls.approve({ userId: "ada" }, "gmail");
    await waitFor(
      () => env?.events.slice(from).some((event) => event.type === "turn-end") ?? false,
      10_000,
      "the turn to end",
    );
    const resumed = env.events.slice(from);
    const calls = ofType(resumed, "tool-call");
    expect(calls.map((call) => [call.toolCallId, call.args.subject])).toEqual([[toolCallId, "Lunch moved"]]);
    expect(ofType(resumed, "tool-result")[0]).toMatchObject({ toolCallId, status: "success" });
  });

  it("an approved call, unchanged, is not told twice", async () => {
    const { env, toolCallId } = await pausedOnApproval();
    const events = await collect(
      env.runtime.decide({ ...thread, decisions: [{ toolCallId, type: "approve" }] }),
    );
    expect(ofType(events, "tool-call").filter((event) => event.toolCallId === toolCallId)).toHaveLength(0);
  });

  it("cancelling a wait for a decision says so, not that an account went unconnected", async () => {
    const { env } = await pausedOnApproval();
    const events = await collect(env.runtime.cancel(thread));
    const [result] = ofType(events, "tool-result");
    expect(result).toMatchObject({ toolName: "gmail_send_message", status: "error" });
    const end = events.at(-1);
    expect(end).toMatchObject({ type: "turn-end", status: "completed" });
    const text = end?.type === "turn-end" ? (end.text ?? "") : "";
    expect(text).toContain("you cancelled instead of approving it");
    expect(text).not.toContain("connecting Gmail");
  });

  it("a new message on a thread that waits for a decision says so (not that an account is missing)", async () => {
    const { env } = await pausedOnApproval();
    const busy = await rejection(() => collect(env.runtime.send({ ...thread, text: "hello?" })));
    expect(isDelegateError(busy, "THREAD_BUSY")).toBe(true);
    expect((busy as Error).message).toContain("for your decision on the calls it asked about");
    expect((busy as Error).message).not.toContain("account to be connected");
  });

  it("deleting a thread that never existed tells its would-be listeners nothing", async () => {
    env = await startSandboxRuntime();
    const heard: RuntimeEvent[] = [];
    env.runtime.subscribe({ userId: "ada", threadId: "never" }, (event) => heard.push(event));
    expect(await env.runtime.deleteThread({ userId: "ada", threadId: "never" })).toBe(false);
    expect(heard).toEqual([]);
  });

  it("streamed text names the message it belongs to", async () => {
    env = await startSandboxRuntime();
    const events = await collect(env.runtime.send({ ...thread, text: "what can you do?" }));
    const message = ofType(events, "message").at(-1);
    const deltas = ofType(events, "text-delta");
    expect(deltas.length).toBeGreaterThan(0);
    expect(message?.messageId).toBeTruthy();
    for (const delta of deltas) expect(delta.messageId).toBe(message?.messageId);
  });

  it("streamed text makes up the message that follows it, however many threads stream at once", async () => {
    env = await startSandboxRuntime();
    const runtime = env.runtime;
    // LangChain hands tokens to the stream from background callbacks: under load they fall behind
    // the graph's updates, so without care they arrive after their message, or never.
    const turns = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        collect(runtime.send({ userId: "ada", threadId: `t${index}`, text: "what can you do" })),
      ),
    );
    for (const events of turns) {
      const message = ofType(events, "message").at(-1);
      expect(message?.messageId).toBeTruthy();
      const at = events.indexOf(message as RuntimeEvent);
      const before = events.slice(0, at).filter((event) => event.type === "text-delta");
      const after = events.slice(at).filter((event) => event.type === "text-delta");
      expect(before.map((delta) => delta.text).join("")).toBe(message?.text);
      expect(after).toEqual([]);
    }
  });

  it("closing ends an open stream with RUNTIME_CLOSED; later calls and webhooks are refused as closed", async () => {
    env = await startSandboxRuntime();
    const { runtime } = env;
    const seen: RuntimeEvent[] = [];
    const open = collect(runtime.send({ ...thread, text: "show my unread email" }), (event) => {
      seen.push(event);
    });
    // Waiting for Gmail, with the stream open.
    await expect.poll(() => seen.some((event) => event.type === "authorization-required")).toBe(true);
    await runtime.close();
    const events = await open;
    expect(events.at(-1)).toMatchObject({ type: "error", threadId: "t1", code: "RUNTIME_CLOSED" });

    const closed = async (run: () => Promise<unknown>) =>
      isDelegateError(await rejection(run), "RUNTIME_CLOSED");
    expect(await closed(() => runtime.getThread(thread))).toBe(true);
    expect(await closed(() => collect(runtime.send({ ...thread, text: "hi" })))).toBe(true);
    expect(await closed(() => collect(runtime.resume(thread)))).toBe(true);
    expect(await closed(async () => runtime.subscribe(thread, () => {}))).toBe(true);
    expect(await runtime.handleWebhook({ headers: {}, body: "{}" })).toEqual({ status: 503, resumed: 0 });
  });
});
