import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { isDelegateError } from "../../../src/errors.js";
import {
  collect,
  ofType,
  type SandboxRuntime,
  startSandboxRuntime,
  waitFor,
} from "../../helpers/sandbox-runtime.js";

const COMBO = "email sam@example.com about lunch saying see you at noon and post 'lunch at noon' to #team";

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const sentTo = (e: SandboxRuntime, user: string, address: string) =>
  e.sandbox.emulators.gmail
    .inspect(user)
    .messages.filter((m) => m.labelIds.includes("SENT") && (m.headers.to ?? "").includes(address));
const teamPosts = (e: SandboxRuntime, user: string, text: string) =>
  e.sandbox.emulators.slack
    .inspect(user)
    .messages("#team")
    .filter((m) => m.text.includes(text));

describe("createAgentRuntime on the sandbox", () => {
  it("interrupts once, auto-resumes when the account becomes ACTIVE, and finishes the turn", async () => {
    env = await startSandboxRuntime();
    const e = env;
    const events = await collect(
      e.runtime.send({ userId: "alice", threadId: "t-basic", text: "show my unread email" }),
      async (event) => {
        if (event.type === "authorization-required")
          await e.sandbox.controls.approve({ userId: "alice" }, "gmail");
      },
    );
    const types = events.map((event) => event.type);
    expect(ofType(events, "authorization-required")).toHaveLength(1);
    const [required] = ofType(events, "authorization-required");
    expect(required?.requests.map((r) => r.connector)).toEqual(["gmail"]);
    expect(required?.requests[0]?.url).toContain("/magicLink/");
    expect(types.indexOf("authorization-completed")).toBeGreaterThan(types.indexOf("authorization-required"));
    const result = ofType(events, "tool-result")[0];
    expect(result?.status).toBe("success");
    expect(result?.summary).toBe("6 messages");
    expect(types.at(-1)).toBe("turn-end");
    expect(ofType(events, "turn-end")[0]?.text).toContain("Dana Whitfield");
    expect(await e.runtime.listPendingAuthorizations({ userId: "alice" })).toEqual([]);
  });

  it("raises one interrupt for two connections and sends exactly once, even with consent one at a time", async () => {
    // No webhooks: the watcher alone sees each consent, and keeps looking while Slack is missing.
    env = await startSandboxRuntime({}, {}, { webhooks: false });
    const e = env;
    const required: string[][] = [];
    const events = await collect(
      e.runtime.send({ userId: "bob", threadId: "t-combo", text: COMBO }),
      async (event) => {
        if (event.type !== "authorization-required") return;
        required.push(event.requests.map((r) => r.connection).sort());
        if (required.length === 1) {
          await e.sandbox.controls.approve({ userId: "bob" }, "gmail");
          // Gmail alone is not enough: nothing may run until Slack is connected too.
          await waitFor(
            () => e.events.some((ev) => ev.type === "authorization-completed"),
            5000,
            "gmail progress",
          );
          // Two more status checks after Gmail's: the watcher looked again with Slack still
          // missing and had every chance to send too early.
          // (A status look-up, or a read of Scalekit's event feed.)
          const looks = () =>
            e.sandbox.scalekit.calls.count("ListConnectedAccounts") +
            e.sandbox.scalekit.calls.count("ListEventsPaginated");
          const checks = looks();
          await waitFor(() => looks() >= checks + 2, 5000, "two more status checks");
          expect(sentTo(e, "bob", "sam@example.com")).toHaveLength(0);
          // A manual recheck re-raises the interrupt with only what is still missing.
          const recheck = await collect(e.runtime.resume({ userId: "bob", threadId: "t-combo" }));
          expect(ofType(recheck, "authorization-required")[0]?.requests.map((r) => r.connection)).toEqual([
            "slack",
          ]);
          expect(sentTo(e, "bob", "sam@example.com")).toHaveLength(0);
          await e.sandbox.controls.approve({ userId: "bob" }, "slack");
        }
      },
    );
    expect(required[0]).toEqual(["gmail", "slack"]);
    expect(required.slice(1).every((connections) => connections.join() === "slack")).toBe(true);
    expect(sentTo(e, "bob", "sam@example.com")).toHaveLength(1);
    expect(teamPosts(e, "bob", "lunch at noon")).toHaveLength(1);
    expect(ofType(events, "tool-result").map((r) => r.status)).toEqual(["success", "success"]);
    expect(ofType(events, "authorization-completed").map((ev) => ev.connections)).toEqual([
      ["gmail"],
      ["slack"],
    ]);
  });

  it("cancel answers every blocked call, the model explains, and the thread stays usable", async () => {
    env = await startSandboxRuntime();
    const e = env;
    const first = await collect(
      e.runtime.send({ userId: "carol", threadId: "t-cancel", text: COMBO, waitForAuthorization: false }),
    );
    expect(first.at(-1)?.type).toBe("authorization-required");
    const cancelled = await collect(e.runtime.cancel({ userId: "carol", threadId: "t-cancel" }));
    expect(ofType(cancelled, "authorization-cancelled")).toHaveLength(1);
    expect(ofType(cancelled, "tool-result").map((r) => r.status)).toEqual(["error", "error"]);
    expect(ofType(cancelled, "turn-end")[0]?.text).toMatch(/connect/i);
    expect(sentTo(e, "carol", "sam@example.com")).toHaveLength(0);

    const thread = await e.runtime.getThread({ userId: "carol", threadId: "t-cancel" });
    const calls = thread.messages.flatMap((m) => m.toolCalls ?? []).map((c) => c.id);
    const answered = thread.messages.filter((m) => m.role === "tool").map((m) => m.toolCallId);
    expect(calls.length).toBe(2);
    expect(answered.sort()).toEqual([...calls].sort());
    expect(thread.pendingAuthorization).toBeUndefined();

    await e.sandbox.controls.approve({ userId: "carol" }, "gmail");
    const next = await collect(
      e.runtime.send({ userId: "carol", threadId: "t-cancel", text: "search my email for invoices" }),
    );
    expect(ofType(next, "tool-result")[0]?.summary).toBe("3 messages");
  });

  it("survives Scalekit being down: retries, then a clear explanation, and the thread goes on", async () => {
    env = await startSandboxRuntime();
    const e = env;
    // Every look-up fails with Unavailable: the SDK retries, then the gate gives up cleanly.
    e.sandbox.scalekit.failNext("ListConnectedAccounts", 12, Code.Unavailable);
    const events = await collect(
      e.runtime.send({ userId: "sam", threadId: "t-down", text: "show my unread email" }),
    );
    expect(ofType(events, "authorization-required")).toHaveLength(0);
    const result = ofType(events, "tool-result")[0];
    expect(result?.status).toBe("error");
    expect(result?.preview).toMatch(/Scalekit .* is unavailable/);
    expect(ofType(events, "turn-end")[0]).toMatchObject({ status: "completed" });
    const thread = await e.runtime.getThread({ userId: "sam", threadId: "t-down" });
    expect(thread.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);

    e.sandbox.scalekit.failNext("ListConnectedAccounts", 0, Code.Unavailable);
    await e.sandbox.controls.approve({ userId: "sam" }, "gmail");
    const next = await collect(
      e.runtime.send({ userId: "sam", threadId: "t-down", text: "show my unread email" }),
    );
    expect(ofType(next, "tool-result")[0]?.status).toBe("success");
  }, 60_000);

  it("honours a cancel even when the accounts got connected in the meantime", async () => {
    env = await startSandboxRuntime({ poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 } });
    const e = env;
    await collect(
      e.runtime.send({ userId: "ivy", threadId: "t-late", text: COMBO, waitForAuthorization: false }),
    );
    await e.sandbox.controls.approve({ userId: "ivy" }, "gmail");
    await e.sandbox.controls.approve({ userId: "ivy" }, "slack");
    const cancelled = await collect(e.runtime.cancel({ userId: "ivy", threadId: "t-late" }));
    expect(ofType(cancelled, "tool-result").map((r) => r.status)).toEqual(["error", "error"]);
    expect(sentTo(e, "ivy", "sam@example.com")).toHaveLength(0);
    expect(teamPosts(e, "ivy", "lunch at noon")).toHaveLength(0);

    // The same for a re-authorization that is cancelled after reconnecting.
    await e.sandbox.controls.approve({ userId: "ivy" }, "gmail");
    e.sandbox.controls.revoke({ userId: "ivy" }, "gmail");
    const reauth = await collect(
      e.runtime.send({
        userId: "ivy",
        threadId: "t-late",
        text: "email sam@example.com about lunch saying see you at noon",
        waitForAuthorization: false,
      }),
    );
    expect(ofType(reauth, "authorization-required")[0]?.requests.map((r) => r.connection)).toEqual(["gmail"]);
    await e.sandbox.controls.approve({ userId: "ivy" }, "gmail");
    const second = await collect(e.runtime.cancel({ userId: "ivy", threadId: "t-late" }));
    expect(ofType(second, "tool-result").map((r) => r.status)).toEqual(["error"]);
    expect(sentTo(e, "ivy", "sam@example.com")).toHaveLength(0);
  });

  it("scopes threads by user: the same thread id is two threads, and neither user sees the other's events", async () => {
    env = await startSandboxRuntime();
    const e = env;
    await e.sandbox.controls.approve({ userId: "jan" }, "gmail");
    await e.sandbox.controls.approve({ userId: "kai" }, "gmail");
    // kai listens on "the same" thread id before and while jan talks: he hears only his own thread.
    const kaiHeard: string[] = [];
    const stop = e.runtime.subscribe({ userId: "kai", threadId: "t-shared" }, (event) =>
      kaiHeard.push(event.type),
    );
    const [jan, kai] = await Promise.all([
      collect(e.runtime.send({ userId: "jan", threadId: "t-shared", text: "show my unread email" })),
      collect(e.runtime.send({ userId: "kai", threadId: "t-shared", text: "search my email for invoices" })),
    ]);
    stop();
    expect(ofType(jan, "turn-end")[0]?.text).toContain("Dana Whitfield");
    expect(ofType(kai, "turn-end")[0]?.status).toBe("completed");
    expect(kaiHeard.filter((type) => type === "turn-end")).toHaveLength(1);
    const janThread = await e.runtime.getThread({ userId: "jan", threadId: "t-shared" });
    const kaiThread = await e.runtime.getThread({ userId: "kai", threadId: "t-shared" });
    expect(janThread.messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual([
      "show my unread email",
    ]);
    expect(kaiThread.messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual([
      "search my email for invoices",
    ]);
    // The same user id in another organization is another user.
    await expect(
      e.runtime.getThread({ userId: "jan", organizationId: "globex", threadId: "t-shared" }),
    ).rejects.toMatchObject({ code: "THREAD_NOT_FOUND" });
  });

  it("answers another user uniformly: no existence leak, no squatting, no events", async () => {
    env = await startSandboxRuntime();
    const e = env;
    // mallory creates a thread under alice's predictable id first: it is mallory's own.
    await collect(e.runtime.send({ userId: "mallory", threadId: "alice-inbox", text: "hello" }));
    await collect(
      e.runtime.send({
        userId: "alice",
        threadId: "alice-inbox",
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
    expect(
      (await e.runtime.getThread({ userId: "alice", threadId: "alice-inbox" })).pendingAuthorization
        ?.connections,
    ).toEqual(["gmail"]);
    const malloryHeard: unknown[] = [];
    const stop = e.runtime.subscribe({ userId: "mallory", threadId: "alice-inbox" }, (event) =>
      malloryHeard.push(event),
    );
    // On alice's thread mallory is told exactly what she is told about a thread that does not exist.
    const existing = await collect(e.runtime.resume({ userId: "mallory", threadId: "alice-inbox" })).catch(
      (error: unknown) => error,
    );
    const missing = await collect(e.runtime.resume({ userId: "mallory", threadId: "no-such-thread" })).catch(
      (error: unknown) => error,
    );
    expect(isDelegateError(existing, "THREAD_NOT_WAITING")).toBe(true);
    expect(isDelegateError(missing, "THREAD_NOT_FOUND")).toBe(true);
    for (const attempt of [
      () => e.runtime.getThread({ userId: "eve", threadId: "alice-inbox" }),
      () => collect(e.runtime.resume({ userId: "eve", threadId: "alice-inbox" })),
      () => collect(e.runtime.cancel({ userId: "eve", threadId: "alice-inbox" })),
    ]) {
      const error = await attempt().catch((err: unknown) => err);
      expect(isDelegateError(error, "THREAD_NOT_FOUND")).toBe(true);
    }
    await e.sandbox.controls.approve({ userId: "alice" }, "gmail");
    await waitFor(
      async () =>
        !(await e.runtime.getThread({ userId: "alice", threadId: "alice-inbox" })).pendingAuthorization,
      10_000,
      "alice's turn",
    );
    stop();
    expect(malloryHeard).toEqual([]);
    expect(await e.runtime.listPendingAuthorizations({ userId: "mallory" })).toEqual([]);
  });

  it("refuses a malformed user with INVALID_INPUT on every identity call, never a raw validation dump", async () => {
    env = await startSandboxRuntime();
    const e = env;
    const bad = { userId: "acme/alice" };
    for (const attempt of [
      () => e.runtime.connect(bad, "gmail"),
      () => e.runtime.listConnections(bad),
      () => e.runtime.disconnect(bad, "gmail"),
      () => e.runtime.listPendingAuthorizations(bad),
      () => e.runtime.getThread({ ...bad, threadId: "t1" }),
    ]) {
      const error = await attempt().catch((err: unknown) => err);
      expect(isDelegateError(error, "INVALID_INPUT"), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/^Invalid user \(userId: /);
      expect((error as Error).message).not.toMatch(/^\[|"code":/);
    }
    expect(e.sandbox.scalekit.calls.count()).toBe(0);
  });

  it("after a token is refused again right after reconnecting, says the account needs reconnecting", async () => {
    env = await startSandboxRuntime();
    const e = env;
    await e.sandbox.controls.approve({ userId: "fay" }, "gmail");
    e.sandbox.providers.failNext("/gmail/v1/users/me/messages", 5, {
      status: 401,
      body: { error: { code: 401, message: "Invalid Credentials (/srv/auth/verify.go:42)" } },
    });
    const events = await collect(
      e.runtime.send({ userId: "fay", threadId: "t-401", text: "show my unread email" }),
      async (event) => {
        if (event.type === "authorization-required")
          await e.sandbox.controls.approve({ userId: "fay" }, "gmail");
      },
    );
    expect(ofType(events, "authorization-required").map((event) => event.reason)).toEqual(["token_rejected"]);
    const reply = ofType(events, "turn-end")[0]?.text ?? "";
    expect(reply).toMatch(/Gmail kept rejecting my access, even right after you reconnected it/);
    expect(reply).toMatch(/needs reconnecting/);
    expect(reply).not.toMatch(/declined|cancelled/);
    expect(JSON.stringify(events)).not.toContain("/srv/auth");
  });

  it("refuses a new message while the thread waits, without touching the thread", async () => {
    env = await startSandboxRuntime();
    const e = env;
    await collect(
      e.runtime.send({
        userId: "erin",
        threadId: "t-busy",
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
    const error = await collect(
      e.runtime.send({ userId: "erin", threadId: "t-busy", text: "search my email for invoices" }),
    ).catch((err: unknown) => err);
    expect(isDelegateError(error, "THREAD_BUSY")).toBe(true);
    const thread = await e.runtime.getThread({ userId: "erin", threadId: "t-busy" });
    expect(thread.messages.filter((m) => m.role === "user")).toHaveLength(1);
  });

  it("refuses an empty message with INVALID_INPUT (not a configuration error), and the thread is not created", async () => {
    env = await startSandboxRuntime();
    const e = env;
    for (const text of ["", "   \n"]) {
      // Thrown by send itself, before any stream exists.
      const error = await Promise.resolve()
        .then(() => e.runtime.send({ userId: "erin", threadId: "t-empty", text }))
        .catch((err: unknown) => err);
      expect(isDelegateError(error, "INVALID_INPUT"), String(error)).toBe(true);
      expect((error as Error).message).toBe("The message text is empty.");
    }
    await expect(e.runtime.getThread({ userId: "erin", threadId: "t-empty" })).rejects.toMatchObject({
      code: "THREAD_NOT_FOUND",
    });
  });

  it("times out a wait with error results and an authorization-expired event, leaving the thread usable", async () => {
    env = await startSandboxRuntime({ authorizationTimeoutMs: 300 });
    const e = env;
    const events = await collect(
      e.runtime.send({ userId: "fay", threadId: "t-timeout", text: "show my unread email" }),
    );
    expect(ofType(events, "authorization-expired")).toHaveLength(1);
    expect(ofType(events, "tool-result")[0]?.status).toBe("error");
    expect(ofType(events, "tool-result")[0]?.preview).toMatch(/timed out/);
    expect(ofType(events, "turn-end")[0]?.text).toMatch(/in time/);
    expect(events.at(-1)?.type).toBe("turn-end");
    const firstLink = ofType(events, "authorization-required")[0]?.requests[0]?.url;
    // The spent link is not offered again.
    const next = await collect(
      e.runtime.send({ userId: "fay", threadId: "t-timeout", text: "show my unread email" }),
      async (event) => {
        if (event.type !== "authorization-required") return;
        expect(event.requests[0]?.url).not.toBe(firstLink);
        await e.sandbox.controls.approve({ userId: "fay" }, "gmail");
      },
    );
    expect(ofType(next, "tool-result")[0]?.status).toBe("success");
  });

  it("regenerates an expired link on recheck", async () => {
    env = await startSandboxRuntime({ poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 } });
    const e = env;
    const first = await collect(
      e.runtime.send({
        userId: "gus",
        threadId: "t-link",
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
    const oldUrl = ofType(first, "authorization-required")[0]?.requests[0]?.url;
    e.sandbox.controls.expireLinks({ userId: "gus" }, "gmail");
    // The runtime's cached link is still "fresh" by its own clock; a lapsed link answers 410.
    expect((await fetch(oldUrl ?? "")).status).toBe(410);
    const again = await collect(e.runtime.resume({ userId: "gus", threadId: "t-link" }));
    const newUrl = ofType(again, "authorization-required")[0]?.requests[0]?.url;
    expect(newUrl).toBeDefined();
    expect(newUrl).not.toBe(oldUrl);
    expect((await fetch(newUrl ?? "")).status).toBe(200);
  });

  it("resumes from a verified webhook and rejects a forged one", async () => {
    env = await startSandboxRuntime({ poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 } });
    const e = env;
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const result = await e.runtime.handleWebhook({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(result.status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    e.sandbox.scalekit.addWebhookUrl(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/scalekit`,
    );
    const forged = await e.runtime.handleWebhook({
      headers: {
        "webhook-id": "evt_1",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": "v1,AAAA",
      },
      body: JSON.stringify({
        type: "connected_account.status_updated",
        data: { identifier: "hal", status: "ACTIVE" },
      }),
    });
    expect(forged.status).toBe(401);
    const events = await collect(
      e.runtime.send({ userId: "hal", threadId: "t-hook", text: "show my unread email" }),
      async (event) => {
        if (event.type === "authorization-required")
          await e.sandbox.controls.approve({ userId: "hal" }, "gmail");
      },
    );
    expect(ofType(events, "authorization-completed")[0]?.via).toBe("webhook");
    expect(ofType(events, "tool-result")[0]?.status).toBe("success");
    expect(e.sandbox.scalekit.webhookDeliveries.some((delivery) => delivery.status === 200)).toBe(true);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
