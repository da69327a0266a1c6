import { randomBytes } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { ScalekitAgentAuth } from "../../../src/auth/scalekit/scalekit-agent-auth.js";
import { type AgentRuntime, createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { portWithout } from "../../helpers/agent-auth-port.js";
import { collect, waitFor } from "../../helpers/sandbox-runtime.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waiting(
  options: { feed: boolean; scan: boolean; budgetPerSecond: number },
  count: number,
): Promise<{ sandbox: Sandbox; runtime: AgentRuntime; events: RuntimeEvent[]; users: string[] }> {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  cleanups.push(() => sandbox.close());
  const events: RuntimeEvent[] = [];
  const inner = new ScalekitAgentAuth(sandbox.settings);
  const runtime = await createAgentRuntime({
    model: new DemoChatModel({ timeZone: "UTC" }),
    agentAuth: options.feed ? inner : portWithout(inner, { scan: options.scan }),
    providerBaseUrls: sandbox.providerBaseUrls,
    databaseUrl: ":memory:",
    timeZone: "UTC",
    poll: { initialIntervalMs: 100, maxIntervalMs: 200, budgetPerSecond: options.budgetPerSecond },
    onEvent: (event) => events.push(event),
  });
  cleanups.push(() => runtime.close());
  const users = Array.from({ length: count }, (_, i) => `sw-${i}`);
  // One after the other: the first is the longest waiting.
  for (const user of users) {
    await collect(
      runtime.send({
        userId: user,
        threadId: user,
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
  }
  return { sandbox, runtime, events, users };
}

const completed = (events: RuntimeEvent[], threadId: string) =>
  events.some((event) => event.type === "authorization-completed" && event.threadId === threadId);
const statusCalls = (sandbox: Sandbox) =>
  sandbox.scalekit.calls.count("ListConnectedAccounts") + sandbox.scalekit.calls.count("ListEventsPaginated");

describe("the watcher at scale: a call budget, not a call per waiting thread", () => {
  it("keeps its Scalekit calls within the budget however many threads wait, and starves none", async () => {
    // No feed, no scans: one look-up per user, the most a watcher could want to call.
    const { sandbox, events, users } = await waiting({ feed: false, scan: false, budgetPerSecond: 10 }, 40);
    sandbox.scalekit.calls.reset();
    const started = Date.now();
    await waitFor(() => statusCalls(sandbox) >= 40, 30_000, "40 status look-ups");
    const elapsed = (Date.now() - started) / 1000;
    // 40 threads checked every 100 ms would want 400 calls a second; the budget allows ten, after
    // a burst of at most one second's worth.
    expect(elapsed).toBeGreaterThanOrEqual((40 - 10) / 10 - 0.2);
    // The longest waiting and the latest both get their turn.
    const [first, last] = [users[0] ?? "", users.at(-1) ?? ""];
    await sandbox.controls.approve({ userId: first }, "gmail");
    await sandbox.controls.approve({ userId: last }, "gmail");
    await waitFor(() => completed(events, first) && completed(events, last), 30_000, "both to resume");
  }, 90_000);

  it("checks many users of one connection a page of accounts at a time", async () => {
    const { sandbox, events, users } = await waiting({ feed: false, scan: true, budgetPerSecond: 10 }, 30);
    sandbox.scalekit.calls.reset();
    for (const user of users) await sandbox.controls.approve({ userId: user }, "gmail");
    await waitFor(() => users.every((user) => completed(events, user)), 30_000, "all to resume");
    // A look-up per user would take at least one call each.
    expect(sandbox.scalekit.calls.count("ListConnectedAccounts")).toBeLessThan(users.length / 2);
    const ended = (user: string) =>
      events.filter((event) => event.type === "turn-end" && event.threadId === user).length;
    await waitFor(() => users.every((user) => ended(user) >= 1), 30_000, "every turn to end");
    for (const user of users) expect(ended(user), user).toBe(1);
  }, 90_000);

  it("polls instead when the event feed cannot be read", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    // An environment whose credentials may not read events.
    sandbox.scalekit.failNext("ListEventsPaginated", 1_000, Code.PermissionDenied, "no access to events");
    const events: RuntimeEvent[] = [];
    const runtime = await createAgentRuntime({
      model: new DemoChatModel({ timeZone: "UTC" }),
      scalekit: sandbox.settings,
      providerBaseUrls: sandbox.providerBaseUrls,
      databaseUrl: ":memory:",
      timeZone: "UTC",
      poll: { initialIntervalMs: 100, maxIntervalMs: 200 },
      onEvent: (event) => events.push(event),
    });
    cleanups.push(() => runtime.close());
    await collect(
      runtime.send({
        userId: "nofeed",
        threadId: "nofeed",
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
    await waitFor(
      () => sandbox.scalekit.calls.count("ListEventsPaginated") > 0,
      10_000,
      "a read of the feed",
    );
    await sandbox.controls.approve({ userId: "nofeed" }, "gmail");
    await waitFor(() => completed(events, "nofeed"), 10_000, "the resume");
    // One failed read, then status look-ups: the feed is left alone for a while.
    expect(sandbox.scalekit.calls.count("ListEventsPaginated")).toBe(1);
  }, 60_000);

  it("leaves the due checks half the budget when the feed alone could spend it all", async () => {
    // A thread waits because Gmail rejected a token Scalekit still calls ACTIVE: only due checks
    // notice a new token (a refresh raises no event). Reading the feed every 100 ms would take
    // 10 calls/s of a budget of 2, and those checks would never run.
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const runtime = await createAgentRuntime({
      model: new DemoChatModel({ timeZone: "UTC" }),
      scalekit: sandbox.settings,
      providerBaseUrls: sandbox.providerBaseUrls,
      databaseUrl: ":memory:",
      timeZone: "UTC",
      poll: { initialIntervalMs: 100, maxIntervalMs: 100, backoff: 1, budgetPerSecond: 2 },
    });
    cleanups.push(() => runtime.close());
    const user = { userId: "starved" };
    await sandbox.controls.approve(user, "gmail");
    sandbox.controls.revokeAtProvider(user, "gmail");
    const events = await collect(
      runtime.send({
        ...user,
        threadId: "starved",
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
    expect(events.find((event) => event.type === "authorization-required")).toMatchObject({
      reason: "token_rejected",
    });
    sandbox.scalekit.calls.reset();
    await waitFor(
      () => sandbox.scalekit.calls.count("GetConnectedAccountAuth") >= 2,
      10_000,
      "two checks of the rejected token",
    );
    expect(sandbox.scalekit.calls.count("ListEventsPaginated")).toBeGreaterThan(0);
  }, 30_000);

  it("covers every waiting thread with Scalekit's event feed", async () => {
    const { sandbox, events, users } = await waiting({ feed: true, scan: true, budgetPerSecond: 10 }, 30);
    sandbox.scalekit.calls.reset();
    for (const user of users) await sandbox.controls.approve({ userId: user }, "gmail");
    await waitFor(() => users.every((user) => completed(events, user)), 30_000, "all to resume");
    // The feed said who connected; no per-user or per-connection status look-up was needed.
    expect(sandbox.scalekit.calls.count("ListConnectedAccounts")).toBe(0);
    expect(sandbox.scalekit.calls.count("ListEventsPaginated")).toBeLessThan(users.length);
  }, 90_000);
});

/**
 * The safety net: once verified webhooks are seen to arrive they give the latency, and a waiting
 * thread's checks slow to `safetyNetIntervalMs`. Short intervals, so each phase shows within seconds.
 */
const SAFETY_NET_MS = 3_000;
const INITIAL_MS = 50;

/** When `method` was called at or after `since` (epoch ms), oldest first. */
const callTimes = (sandbox: Sandbox, method: string, since = 0) =>
  sandbox.scalekit.calls.log
    .filter((call) => call.method === method && call.at.getTime() >= since)
    .map((call) => call.at.getTime());

/**
 * A runtime with one thread waiting for Gmail. `webhooks`: the sandbox's signed webhooks delivered
 * with the right secret (`verified`), with another secret (`forged`: every one is refused), or not
 * at all. Without `feed` the port has no event feed (and no scans): every check of the thread is
 * one `ListConnectedAccounts`.
 */
async function watching(options: { feed: boolean; webhooks: "verified" | "forged" | "none" }) {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  cleanups.push(() => sandbox.close());
  const events: RuntimeEvent[] = [];
  const inner = new ScalekitAgentAuth(sandbox.settings);
  const secrets = { verified: sandbox.webhookSecret, forged: `whsec_${randomBytes(24).toString("base64")}` };
  const runtime = await createAgentRuntime({
    model: new DemoChatModel({ timeZone: "UTC" }),
    agentAuth: options.feed ? inner : portWithout(inner, { scan: false }),
    providerBaseUrls: sandbox.providerBaseUrls,
    ...(options.webhooks === "none" ? {} : { webhookSecret: secrets[options.webhooks] }),
    databaseUrl: ":memory:",
    timeZone: "UTC",
    poll: {
      initialIntervalMs: INITIAL_MS,
      maxIntervalMs: 200,
      budgetPerSecond: 100,
      safetyNetIntervalMs: SAFETY_NET_MS,
    },
    onEvent: (event) => events.push(event),
  });
  cleanups.push(() => runtime.close());
  /** The runtime's answer to each delivered webhook, and when it gave it. */
  const answers: { status: number; at: number }[] = [];
  if (options.webhooks !== "none") {
    const stop = sandbox.deliverWebhooks(async (input) => {
      const answer = await runtime.handleWebhook(input);
      answers.push({ status: answer.status, at: Date.now() });
      return answer;
    });
    cleanups.push(async () => stop());
  }
  await collect(
    runtime.send({
      userId: "waiting",
      threadId: "waiting",
      text: "show my unread email",
      waitForAuthorization: false,
    }),
  );
  return { sandbox, events, answers };
}

/** Another user connects: the emulator signs a webhook about an account no thread waits for. */
async function someoneElseConnects(sandbox: Sandbox): Promise<void> {
  await sandbox.controls.approve({ userId: "someone-else" }, "slack");
  await sandbox.scalekit.flushWebhooks();
}

/**
 * After a verified webhook at `hooked`: waits for the first `method` call half a safety-net
 * interval later (the safety net's check; the initial rate would make dozens before it), and
 * returns it with the calls between, and the call before it.
 */
async function safetyNetCheck(sandbox: Sandbox, method: string, hooked: number) {
  const late = () => callTimes(sandbox, method, hooked + SAFETY_NET_MS / 2)[0];
  await waitFor(() => late() !== undefined, 3 * SAFETY_NET_MS, `the safety net's ${method}`);
  const check = late() as number;
  const all = callTimes(sandbox, method);
  const between = all.filter((at) => at >= hooked && at < check);
  const previous = all.filter((at) => at < check).at(-1) ?? Number.NEGATIVE_INFINITY;
  return { check, between, gap: check - previous };
}

describe("the watcher's safety net: checks slow down once webhooks are seen to arrive", () => {
  it("checks a waiting thread at the initial rate until a verified webhook arrives, then every safetyNetIntervalMs", async () => {
    const { sandbox, events, answers } = await watching({ feed: false, webhooks: "verified" });
    const lookups = (since: number) => callTimes(sandbox, "ListConnectedAccounts", since);
    // Five look-ups would take twelve seconds at the safety net's rate.
    const started = Date.now();
    await waitFor(() => lookups(started).length >= 5, SAFETY_NET_MS, "five look-ups at the initial rate");

    await someoneElseConnects(sandbox);
    expect(answers.map((answer) => answer.status)).toEqual([200]);
    const hooked = answers[0]?.at as number;
    const { between, gap } = await safetyNetCheck(sandbox, "ListConnectedAccounts", hooked);
    // At most the one check already due at the initial rate; the next a safety-net interval later.
    expect(between.length, "look-ups within half a safety-net interval of the webhook").toBeLessThanOrEqual(
      1,
    );
    expect(gap).toBeGreaterThanOrEqual(SAFETY_NET_MS - INITIAL_MS);
    expect(completed(events, "waiting")).toBe(false);

    // The person consents: the webhook, not the next safety-net check, resumes the thread.
    const consented = Date.now();
    await sandbox.controls.approve({ userId: "waiting" }, "gmail");
    await waitFor(() => completed(events, "waiting"), SAFETY_NET_MS, "the resume");
    expect(Date.now() - consented).toBeLessThan(SAFETY_NET_MS);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "authorization-completed", threadId: "waiting", via: "webhook" }),
    );
  }, 60_000);

  it("reads the event feed at the initial rate until a verified webhook arrives, then every safetyNetIntervalMs", async () => {
    const { sandbox, answers } = await watching({ feed: true, webhooks: "verified" });
    const reads = (since: number) => callTimes(sandbox, "ListEventsPaginated", since);
    const started = Date.now();
    await waitFor(() => reads(started).length >= 5, SAFETY_NET_MS, "five feed reads at the initial rate");

    await someoneElseConnects(sandbox);
    expect(answers.map((answer) => answer.status)).toEqual([200]);
    const { between, gap } = await safetyNetCheck(sandbox, "ListEventsPaginated", answers[0]?.at as number);
    // The read already due (a page, or two when it meets the new event); then the safety net.
    expect(between.length, "feed reads within half a safety-net interval of the webhook").toBeLessThanOrEqual(
      2,
    );
    expect(gap).toBeGreaterThanOrEqual(SAFETY_NET_MS - INITIAL_MS);
  }, 60_000);

  it.each([
    { when: "no webhook reaches it", feed: false, webhooks: "none", method: "ListConnectedAccounts" },
    {
      when: "its webhooks fail verification",
      feed: false,
      webhooks: "forged",
      method: "ListConnectedAccounts",
    },
    // Feed events slow the per-thread look-ups (the feed covers them), never the feed itself.
    {
      when: "it reads the feed but hears no webhook",
      feed: true,
      webhooks: "none",
      method: "ListEventsPaginated",
    },
  ] as const)(
    "keeps checking at the initial rate when $when",
    async ({ feed, webhooks, method }) => {
      const { sandbox, events, answers } = await watching({ feed, webhooks });
      const checks = (since: number) => callTimes(sandbox, method, since);
      const started = Date.now();
      await waitFor(() => checks(started).length >= 5, SAFETY_NET_MS, `five ${method} at the initial rate`);

      await someoneElseConnects(sandbox);
      expect(answers.map((answer) => answer.status)).toEqual(webhooks === "forged" ? [401] : []);
      // Eight more checks in less than one safety-net interval: the rate did not drop.
      const after = Date.now();
      await waitFor(
        () => checks(after).length >= 8,
        SAFETY_NET_MS,
        `eight more ${method} at the initial rate`,
      );
      expect(completed(events, "waiting")).toBe(false);
    },
    60_000,
  );
});
