import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentAuth } from "../../../src/auth/agent-auth.js";
import { ScalekitAgentAuth } from "../../../src/auth/scalekit/scalekit-agent-auth.js";
import { type AgentRuntime, createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { collect, waitFor } from "../../helpers/sandbox-runtime.js";

/** The Scalekit adapter with only some of its optional abilities: a port that has no event feed. */
function port(inner: ScalekitAgentAuth, { scan }: { scan: boolean }): AgentAuth {
  return {
    getStatuses: (identity, connections) => inner.getStatuses(identity, connections),
    ensureAccount: (identity, connection) => inner.ensureAccount(identity, connection),
    createAccount: (identity, connection) => inner.createAccount(identity, connection),
    getAuthorizationLink: (identity, connection, options) =>
      inner.getAuthorizationLink(identity, connection, options),
    verifyUser: (authRequestId, identity) => inner.verifyUser(authRequestId, identity),
    getCredentials: (identity, connection) => inner.getCredentials(identity, connection),
    executeTool: (request) => inner.executeTool(request),
    listTools: (connections) => inner.listTools(connections),
    disconnect: (identity, connection) => inner.disconnect(identity, connection),
    ...(scan ? { listAccounts: (connection, token) => inner.listAccounts(connection, token) } : {}),
  };
}

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
    agentAuth: options.feed ? inner : port(inner, { scan: options.scan }),
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
