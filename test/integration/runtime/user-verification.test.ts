/**
 * Scalekit user verification through the runtime, on the sandbox with the real ScalekitClient:
 * links carry Delegate's verify URL and a signed state; consent leaves the account in
 * PENDING_VERIFICATION until `verifyUser` accepts the redirect for the right user, once.
 */

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { audienceOf, VerificationStateSigner } from "../../../src/auth/verification-state.js";
import { isDelegateError } from "../../../src/errors.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { threadKey } from "../../../src/runtime/thread-store.js";
import { collect, ofType, type SandboxRuntime, startSandboxRuntime } from "../../helpers/sandbox-runtime.js";
import {
  consentRedirect,
  signPayload,
  statePayload,
  TEST_VERIFY_SECRET,
  tamperedState,
  type VerifyRedirect,
} from "../../helpers/user-verification.js";

const VERIFY_URL = "http://127.0.0.1:9/verify";

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(
  options: Parameters<typeof startSandboxRuntime>[0] = {},
  helper: Parameters<typeof startSandboxRuntime>[2] = {},
) {
  env = await startSandboxRuntime(
    { verification: { url: VERIFY_URL, secret: TEST_VERIFY_SECRET }, ...options },
    {},
    helper,
  );
  return env;
}

/** Sends a Gmail request without waiting, and returns the link of the interrupt. */
async function waitingForGmail(e: SandboxRuntime, userId: string, threadId: string): Promise<string> {
  const events = await collect(
    e.runtime.send({ userId, threadId, text: "show my unread email", waitForAuthorization: false }),
  );
  const url = ofType(events, "authorization-required")[0]?.requests[0]?.url;
  if (!url) throw new Error(`no link: ${JSON.stringify(events)}`);
  return url;
}

/** Events of one thread from now on. */
function follow(e: SandboxRuntime, userId: string, threadId: string): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  e.runtime.subscribe({ userId, threadId }, (event) => events.push(event));
  return events;
}

/** Resolves once the runtime has answered the webhook saying the account awaits verification. */
async function toldPendingVerification(e: SandboxRuntime, userId: string): Promise<void> {
  await e.sandbox.scalekit.flushWebhooks();
  const told = e.sandbox.scalekit.webhookDeliveries.some((delivery) => {
    const data = (JSON.parse(delivery.body) as { data?: { identifier?: string; status?: string } }).data;
    return data?.identifier === userId && data.status === "PENDING_VERIFICATION" && delivery.status === 200;
  });
  if (!told) throw new Error("the runtime was not told about PENDING_VERIFICATION");
}

async function turnEnd(events: RuntimeEvent[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!events.some((event) => event.type === "turn-end")) {
    if (Date.now() > deadline) throw new Error(`no turn-end: ${JSON.stringify(events.map((e) => e.type))}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("user verification in the runtime", () => {
  it("refuses a state made for another verify URL, even signed with the same key (the REPL's and the server's share a key file)", async () => {
    const e = await start(
      { poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 } },
      { webhooks: false },
    );
    const redirect = await consentRedirect(await waitingForGmail(e, "alice", "t-aud"));
    const elsewhere = await startSandboxRuntime({
      verification: { url: "http://127.0.0.1:9/another-verify-route", secret: TEST_VERIFY_SECRET },
    });
    try {
      expect(await elsewhere.runtime.verifyUser({ ...redirect, userId: "alice" })).toMatchObject({
        status: "refused",
        reason: "forged",
      });
    } finally {
      await elsewhere.close();
    }
    // Refused before it was spent: where it was made for, it still verifies.
    expect(await e.runtime.verifyUser({ ...redirect, userId: "alice" })).toMatchObject({
      status: "verified",
      threadId: "t-aud",
    });
  });

  it("links carry the verify URL and a state bound to the user, connection and thread; verifying resumes at once", async () => {
    // No webhooks and a slow poll: the resume can only come from the verification.
    const e = await start(
      { poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 } },
      { webhooks: false },
    );
    const link = await waitingForGmail(e, "alice", "t-verify");
    const after = follow(e, "alice", "t-verify");
    const redirect = await consentRedirect(link);
    expect(`${redirect.location.origin}${redirect.location.pathname}`).toBe(VERIFY_URL);
    expect(redirect.authRequestId).toMatch(/^req_/);
    // The gate learned the thread from LangGraph's configurable.thread_id: the scoped key.
    expect(statePayload(redirect.state)).toMatchObject({
      u: "alice",
      c: "gmail",
      t: threadKey({ userId: "alice" }, "t-verify"),
    });
    expect(e.sandbox.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");

    const result = await e.runtime.verifyUser({ ...redirect, userId: "alice" });
    expect(result).toMatchObject({
      status: "verified",
      connector: "gmail",
      displayName: "Gmail",
      threadId: "t-verify",
      resumed: true,
    });
    expect(e.sandbox.controls.status({ userId: "alice" }, "gmail")).toBe("ACTIVE");
    await turnEnd(after);
    expect(ofType(after, "authorization-completed")[0]).toMatchObject({
      connections: ["gmail"],
      via: "verification",
    });
    expect(ofType(after, "tool-result").map((r) => r.summary)).toEqual(["6 messages"]);
    expect(await e.runtime.listPendingAuthorizations({ userId: "alice" })).toEqual([]);
  });

  it("consent whose browser never reaches the verify URL connects nothing: the thread keeps waiting", async () => {
    const e = await start();
    const link = await waitingForGmail(e, "ivy", "t-lost");
    const after = follow(e, "ivy", "t-lost");
    await consentRedirect(link);
    await toldPendingVerification(e, "ivy");
    expect(e.sandbox.controls.status({ userId: "ivy" }, "gmail")).toBe("PENDING_VERIFICATION");
    expect(after).toEqual([]);
    const [pending] = await e.runtime.listPendingAuthorizations({ userId: "ivy" });
    expect(pending?.connections).toEqual(["gmail"]);
    // Statuses say so: the REPL's /connections and the model's prompt read them.
    const gmail = (await e.runtime.listConnections({ userId: "ivy" })).find((c) => c.connector === "gmail");
    expect(gmail?.status).toBe("PENDING_VERIFICATION");
    // A recheck hands out a fresh link (the account is not ACTIVE), still with verification.
    const recheck = await collect(e.runtime.resume({ userId: "ivy", threadId: "t-lost" }));
    const fresh = ofType(recheck, "authorization-required")[0]?.requests[0];
    expect(fresh?.status).toBe("PENDING_VERIFICATION");
    expect(fresh?.url).not.toBe(link);
  });

  it("the watcher polls on while the account waits for verification, and never resumes on it", async () => {
    // Polling alone (no webhooks): the positive sign is the calls it keeps making (status look-ups,
    // or Scalekit's event feed, whichever way the watcher asks).
    const e = await start(
      { poll: { initialIntervalMs: 5, maxIntervalMs: 10, backoff: 1 } },
      { webhooks: false },
    );
    const link = await waitingForGmail(e, "ulla", "t-polled");
    const after = follow(e, "ulla", "t-polled");
    await consentRedirect(link);
    const polls = () => e.sandbox.scalekit.calls.count();
    const target = polls() + 5;
    const deadline = Date.now() + 10_000;
    while (polls() < target) {
      if (Date.now() > deadline) throw new Error("the watcher stopped polling");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(e.sandbox.controls.status({ userId: "ulla" }, "gmail")).toBe("PENDING_VERIFICATION");
    expect(after).toEqual([]);
    expect((await e.runtime.listPendingAuthorizations({ userId: "ulla" }))[0]?.connections).toEqual([
      "gmail",
    ]);
  });

  it("refuses another user's session, a forged, expired or replayed state, and Scalekit's identifier mismatch — none resumes", async () => {
    const e = await start();
    const link = await waitingForGmail(e, "alice", "t-bound");
    const after = follow(e, "alice", "t-bound");
    const redirect = await consentRedirect(link);
    const refused = async (
      input: VerifyRedirect & { userId: string; connection?: string },
      reason: string,
    ) => {
      const result = await e.runtime.verifyUser(input);
      expect(result).toMatchObject({ status: "refused", reason });
      expect(result.status === "refused" && result.message.length).toBeGreaterThan(10);
    };

    // The link was forwarded: mallory's session presents alice's redirect.
    await refused({ ...redirect, userId: "mallory" }, "wrong_user");
    // Forged: the payload names mallory, the signature is alice's.
    await refused(
      { ...redirect, state: tamperedState(redirect.state, { u: "mallory" }), userId: "mallory" },
      "forged",
    );
    await refused({ ...redirect, state: `${redirect.state.slice(0, -2)}AA`, userId: "alice" }, "forged");
    await refused({ ...redirect, state: "not-a-state", userId: "alice" }, "malformed");
    // Expired: signed with the same secret an hour and a half ago.
    const old = new VerificationStateSigner(TEST_VERIFY_SECRET, { now: () => Date.now() - 90 * 60_000 }).sign(
      {
        identity: { userId: "alice" },
        connection: "gmail",
        thread: threadKey({ userId: "alice" }, "t-bound"),
        audience: audienceOf(VERIFY_URL),
      },
    );
    await refused({ ...redirect, state: old.state, userId: "alice" }, "expired");
    // Validly signed, but without an audience: it names no verify route, so no route takes it.
    const { a: _audience, ...unbound } = statePayload(redirect.state);
    await refused(
      { ...redirect, state: signPayload(TEST_VERIFY_SECRET, unbound), userId: "alice" },
      "malformed",
    );
    // The host's flow was Slack (its start step said so): a Gmail state is not accepted for it.
    await refused({ ...redirect, userId: "alice", connection: "slack" }, "wrong_connection");
    expect(e.sandbox.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");
    expect(after).toEqual([]);

    // Bob's own consent, paired with alice's state: Scalekit refuses the identifier.
    const bobLink = await waitingForGmail(e, "bob", "t-bob");
    const bob = await consentRedirect(bobLink);
    await refused({ ...redirect, authRequestId: bob.authRequestId, userId: "alice" }, "identifier_mismatch");
    expect(e.sandbox.controls.status({ userId: "bob" }, "gmail")).toBe("PENDING_VERIFICATION");
    // Alice's state is spent by that attempt; so is a replay of any used state.
    await refused({ ...redirect, userId: "alice" }, "replayed");
    expect(e.sandbox.controls.status({ userId: "alice" }, "gmail")).toBe("PENDING_VERIFICATION");
    expect(after).toEqual([]);
    expect((await e.runtime.listPendingAuthorizations({ userId: "alice" }))[0]?.connections).toEqual([
      "gmail",
    ]);

    // Bob finishes his own: verified once, then the same redirect is a replay.
    expect((await e.runtime.verifyUser({ ...bob, userId: "bob", connection: "gmail" })).status).toBe(
      "verified",
    );
    await refused({ ...bob, userId: "bob" }, "replayed");
  });

  it("a /connect link outside any thread verifies too, and the link cache keeps threads' links apart", async () => {
    const e = await start();
    const first = await waitingForGmail(e, "dora", "t-one");
    const second = await waitingForGmail(e, "dora", "t-two");
    expect(second).not.toBe(first);
    // The same thread asking again (a replay of the gate) gets its own link back.
    const again = await collect(e.runtime.resume({ userId: "dora", threadId: "t-two" }));
    expect(ofType(again, "authorization-required")[0]?.requests[0]?.url).not.toBe(first);

    const connect = await e.runtime.connect({ userId: "dora" }, "slack");
    const redirect = await consentRedirect(connect.url);
    expect(statePayload(redirect.state)).toMatchObject({ u: "dora", c: "slack" });
    expect(statePayload(redirect.state).t).toBeUndefined();
    expect(await e.runtime.verifyUser({ ...redirect, userId: "dora" })).toMatchObject({
      status: "verified",
      connector: "slack",
      resumed: false,
    });
    expect(e.sandbox.controls.status({ userId: "dora" }, "slack")).toBe("ACTIVE");
  });

  it("Scalekit down while verifying spends nothing: the same redirect verifies once it is back", async () => {
    // No webhooks and a slow poll: the resume can only come from the verification.
    const e = await start(
      { poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 } },
      { webhooks: false },
    );
    const redirect = await consentRedirect(await waitingForGmail(e, "ivo", "t-down"));
    // A failure the SDK does not retry, and no refusal: Scalekit verified nothing.
    e.sandbox.scalekit.failNext("VerifyConnectedAccountUser", 1, Code.Internal);
    await expect(e.runtime.verifyUser({ ...redirect, userId: "ivo" })).rejects.toMatchObject({
      code: expect.stringMatching(/^SCALEKIT_/),
    });
    expect(await e.runtime.verifyUser({ ...redirect, userId: "ivo" })).toMatchObject({
      status: "verified",
      resumed: true,
    });
    // …and once only.
    expect(await e.runtime.verifyUser({ ...redirect, userId: "ivo" })).toMatchObject({
      status: "refused",
      reason: "replayed",
    });
  });

  it("a state for one connection with an auth request of another never passes for the first", async () => {
    const e = await start();
    const gmail = await consentRedirect(await waitingForGmail(e, "paz", "t-mix"));
    const slack = await consentRedirect((await e.runtime.connect({ userId: "paz" }, "slack")).url);
    // Gmail's state, Slack's auth request: Scalekit verifies the request it was given (Slack's).
    await e.runtime.verifyUser({ state: gmail.state, authRequestId: slack.authRequestId, userId: "paz" });
    expect(e.sandbox.controls.status({ userId: "paz" }, "slack")).toBe("ACTIVE");
    expect(e.sandbox.controls.status({ userId: "paz" }, "gmail")).toBe("PENDING_VERIFICATION");
    // Nothing takes Gmail for connected: not the runtime's view, not the waiting thread.
    const overview = await e.runtime.listConnections({ userId: "paz" });
    expect(overview.find((connection) => connection.connector === "gmail")?.status).not.toBe("ACTIVE");
    expect(
      (await e.runtime.getThread({ userId: "paz", threadId: "t-mix" })).pendingAuthorization,
    ).toBeDefined();
  });

  it("a verify route started lazily inside a run (as the REPL's listener is) still resumes the thread cleanly", async () => {
    // A server started while the first link is made serves its requests in that run's async
    // context; the resumed run must not inherit it (LangGraph would take it for a nested call).
    let server: Server | undefined;
    const url = async () => {
      server ??= await new Promise<Server>((resolve) => {
        const started = createServer(async (request, response) => {
          const query = new URL(request.url ?? "/", "http://127.0.0.1").searchParams;
          const result = await e.runtime.verifyUser({
            authRequestId: query.get("auth_request_id") ?? "",
            state: query.get("state") ?? "",
            userId: "lena",
          });
          response.end(result.status);
        });
        started.listen(0, "127.0.0.1", () => resolve(started));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`;
    };
    const e = await start(
      {
        verification: { url, secret: TEST_VERIFY_SECRET },
        poll: { initialIntervalMs: 60_000, maxIntervalMs: 60_000 },
      },
      { webhooks: false },
    );
    try {
      const link = await waitingForGmail(e, "lena", "t-lazy");
      const after = follow(e, "lena", "t-lazy");
      const response = await fetch(link, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "decision=allow",
      });
      expect(await response.text()).toBe("verified");
      await turnEnd(after);
      expect(ofType(after, "authorization-completed")[0]?.via).toBe("verification");
      expect(ofType(after, "tool-result").map((r) => r.summary)).toEqual(["6 messages"]);
      expect(ofType(after, "turn-end")[0]?.text).toContain("Dana Whitfield");
    } finally {
      server?.closeAllConnections();
      server?.close();
    }
  });

  it("organization users: the session must name the same organization", async () => {
    const e = await start();
    const events = await collect(
      e.runtime.send({
        userId: "erin",
        organizationId: "acme",
        threadId: "t-org",
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
    const link = ofType(events, "authorization-required")[0]?.requests[0]?.url ?? "";
    const redirect = await consentRedirect(link);
    expect(statePayload(redirect.state)).toMatchObject({ u: "erin", o: "acme" });
    expect(await e.runtime.verifyUser({ ...redirect, userId: "erin" })).toMatchObject({
      reason: "wrong_user",
    });
    expect(
      await e.runtime.verifyUser({ ...redirect, userId: "erin", organizationId: "globex" }),
    ).toMatchObject({ reason: "wrong_user" });
    expect(await e.runtime.verifyUser({ ...redirect, userId: "erin", organizationId: "acme" })).toMatchObject(
      {
        status: "verified",
        threadId: "t-org",
      },
    );
  });

  it("the secret, the state and the auth request never reach events, logs, the thread or its checkpoint", async () => {
    const canary = `dlg_canary_verify_${"x".repeat(24)}`;
    const logged: string[] = [];
    const capture = (level: string) => (fields: unknown, message?: string) => {
      logged.push(`${level} ${message ?? ""} ${JSON.stringify(fields)}`);
    };
    const database = join(mkdtempSync(join(tmpdir(), "delegate-canary-")), "delegate.sqlite");
    const e = await start({
      verification: { url: VERIFY_URL, secret: canary },
      databaseUrl: database,
      logger: {
        debug: capture("debug"),
        info: capture("info"),
        warn: capture("warn"),
        error: capture("error"),
      },
    });
    const link = await waitingForGmail(e, "nina", "t-canary");
    const after = follow(e, "nina", "t-canary");
    const redirect = await consentRedirect(link);
    await e.runtime.verifyUser({ ...redirect, userId: "mallory" });
    await e.runtime.verifyUser({ ...redirect, userId: "nina" });
    await turnEnd(after);
    const thread = await e.runtime.getThread({ userId: "nina", threadId: "t-canary" });
    await e.close();
    env = undefined;
    // The checkpoints and the thread store, byte for byte.
    const stored = ["", "-wal"]
      .filter((suffix) => existsSync(`${database}${suffix}`))
      .map((suffix) => readFileSync(`${database}${suffix}`).toString("latin1"))
      .join("");
    expect(stored).toContain("t-canary");
    const haystacks = [JSON.stringify(e.events), logged.join("\n"), JSON.stringify(thread), stored];
    expect(logged.some((line) => line.includes("user verified"))).toBe(true);
    expect(logged.some((line) => line.includes("user verification refused"))).toBe(true);
    for (const text of haystacks) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(redirect.state);
      expect(text).not.toContain(redirect.authRequestId);
    }
  });

  it("bad configuration and input get one clear error", async () => {
    await expect(
      startSandboxRuntime({ verification: { url: "not a url", secret: "short" } }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        isDelegateError(error, "CONFIG_INVALID") &&
        error.message.includes("verification.url") &&
        error.message.includes("verification.secret"),
    );
    const plain = await startSandboxRuntime();
    try {
      await expect(
        plain.runtime.verifyUser({ authRequestId: "req_1", state: "x", userId: "alice" }),
      ).rejects.toSatisfy((error: unknown) => isDelegateError(error, "CONFIG_INVALID"));
    } finally {
      await plain.close();
    }
    const e = await start();
    await expect(e.runtime.verifyUser({ authRequestId: "req_1", state: "x", userId: "" })).rejects.toSatisfy(
      (error: unknown) => isDelegateError(error, "INVALID_INPUT"),
    );
    expect(await e.runtime.verifyUser({ authRequestId: "", state: "x", userId: "alice" })).toMatchObject({
      status: "refused",
      reason: "malformed",
    });
  });
});
