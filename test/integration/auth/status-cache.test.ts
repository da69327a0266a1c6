import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedAgentAuth } from "../../../src/auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../../../src/auth/scalekit/scalekit-agent-auth.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { collect, ofType, startSandboxRuntime } from "../../helpers/sandbox-runtime.js";

const CONNECTIONS = ["gmail", "googlecalendar", "slack", "notion", "outlook"];
const SCALEKIT_METHODS = [
  "ListConnectedAccounts",
  "GetConnectedAccountAuth",
  "CreateConnectedAccount",
  "GetMagicLinkForConnectedAccount",
];

describe("the status cache: negative answers too, never a stale one where it matters", () => {
  let sandbox: Sandbox;
  let direct: ScalekitAgentAuth;
  let counter = 0;
  const nextUser = () => ({ userId: `cache-${++counter}` });
  const calls = (method: string) => sandbox.scalekit.calls.count(method);

  beforeAll(async () => {
    sandbox = await startSandbox({ timeZone: "UTC" });
    direct = new ScalekitAgentAuth(sandbox.settings);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it("answers a user with one account connected and four not from the cache, with no call", async () => {
    const cached = new CachedAgentAuth(direct);
    const user = nextUser();
    await sandbox.controls.approve(user, "gmail");
    const first = await cached.getStatuses(user, CONNECTIONS);
    expect(first.get("gmail")?.status).toBe("ACTIVE");
    expect(first.get("slack")?.status).toBe("NOT_FOUND");
    sandbox.scalekit.calls.reset();
    for (let i = 0; i < 50; i++) await cached.getStatuses(user, CONNECTIONS);
    expect(calls("ListConnectedAccounts")).toBe(0);
  });

  it("asks again for what is not ACTIVE when a fresher answer is needed, and only for that", async () => {
    const cached = new CachedAgentAuth(direct);
    const user = nextUser();
    await sandbox.controls.approve(user, "gmail");
    await cached.getStatuses(user, CONNECTIONS);
    await sandbox.controls.approve(user, "slack");
    expect((await cached.getStatuses(user, ["slack"])).get("slack")?.status).toBe("NOT_FOUND");
    const fresh = await cached.getStatuses(user, CONNECTIONS, { inactiveSince: Date.now() + 1 });
    expect(fresh.get("slack")?.status).toBe("ACTIVE");
    // gmail stayed cached: a fresh look-up of everything ACTIVE makes no call at all.
    sandbox.scalekit.calls.reset();
    await cached.getStatuses(user, ["gmail", "slack"], { inactiveSince: Date.now() + 1 });
    expect(calls("ListConnectedAccounts")).toBe(0);
  });

  it("drops a negative answer after its TTL and on invalidate", async () => {
    let now = Date.now();
    const cached = new CachedAgentAuth(direct, { inactiveStatusTtlMs: 5_000, now: () => now });
    const user = nextUser();
    await cached.getStatuses(user, ["notion"]);
    sandbox.scalekit.calls.reset();
    await cached.getStatuses(user, ["notion"]);
    expect(calls("ListConnectedAccounts")).toBe(0);
    now += 5_001;
    await cached.getStatuses(user, ["notion"]);
    expect(calls("ListConnectedAccounts")).toBe(1);
    await sandbox.controls.approve(user, "notion");
    cached.invalidate(user, "notion");
    expect((await cached.getStatuses(user, ["notion"])).get("notion")?.status).toBe("ACTIVE");
    cached.invalidateUser(user);
    await cached.getStatuses(user, ["notion"]);
    expect(calls("ListConnectedAccounts")).toBe(3);
  });

  it("never stores a negative answer from a look-up that began before an invalidate", async () => {
    const cached = new CachedAgentAuth(direct);
    const user = nextUser();
    sandbox.scalekit.setLatency(100, "ListConnectedAccounts");
    try {
      const before = cached.getStatuses(user, ["gmail"]);
      // A webhook says the account changed while the look-up is on its way.
      cached.invalidate(user, "gmail");
      expect((await before).get("gmail")?.status).toBe("NOT_FOUND");
    } finally {
      sandbox.scalekit.setLatency(0, "ListConnectedAccounts");
    }
    sandbox.scalekit.calls.reset();
    await cached.getStatuses(user, ["gmail"]);
    expect(calls("ListConnectedAccounts")).toBe(1);
    await cached.getStatuses(user, ["gmail"]);
    expect(calls("ListConnectedAccounts")).toBe(1);
  });

  it("never stores what a look-up in flight found once the user's every connection was invalidated", async () => {
    const cached = new CachedAgentAuth(direct);
    const user = nextUser();
    sandbox.scalekit.setLatency(100, "ListConnectedAccounts");
    try {
      // Nothing is cached for this user yet: the invalidation must still beat the look-up.
      const before = cached.getStatuses(user, ["gmail", "slack"]);
      cached.invalidateUser(user);
      expect((await before).get("gmail")?.status).toBe("NOT_FOUND");
    } finally {
      sandbox.scalekit.setLatency(0, "ListConnectedAccounts");
    }
    expect(cached.peekStatuses(user, ["gmail"])).toBeUndefined();
    expect(cached.peekStatuses(user, ["slack"])).toBeUndefined();
  });

  it("learns statuses from a page of a connection's accounts and from the event feed", async () => {
    const cached = new CachedAgentAuth(direct);
    const users = [nextUser(), nextUser(), nextUser()];
    for (const user of users) await cached.getStatuses(user, ["outlook"]);
    for (const user of users.slice(0, 2)) await sandbox.controls.approve(user, "outlook");
    expect(cached.canScan && cached.hasEventFeed).toBe(true);

    let token = "";
    const seen = new Map<string, string>();
    do {
      const page = await cached.scanConnection("outlook", token);
      for (const account of page.accounts) seen.set(account.identifier, account.state.status);
      token = page.nextPageToken;
    } while (token);
    expect(seen.get(users[0]?.userId ?? "")).toBe("ACTIVE");
    sandbox.scalekit.calls.reset();
    const statuses = await cached.getStatuses(users[0] ?? nextUser(), ["outlook"]);
    expect(statuses.get("outlook")?.status).toBe("ACTIVE");
    expect(calls("ListConnectedAccounts")).toBe(0);

    const third = users[2] ?? nextUser();
    const since = new Date(Date.now() - 1_000);
    await sandbox.controls.approve(third, "outlook");
    const events = await cached.accountEvents(since, "");
    expect(
      events.events.some((event) => event.identifier === third.userId && event.status === "ACTIVE"),
    ).toBe(true);
    sandbox.scalekit.calls.reset();
    expect((await cached.getStatuses(third, ["outlook"])).get("outlook")?.status).toBe("ACTIVE");
    expect(calls("ListConnectedAccounts")).toBe(0);
  });
});

describe("Scalekit calls of a turn", () => {
  it("cold path: one status call per AI message, then a create and a link per missing account", async () => {
    const env = await startSandboxRuntime({}, {}, { webhooks: false });
    try {
      const counts: Record<string, number> = {};
      // The SDK's very first call goes out without a token and is retried after fetching one.
      await env.runtime.listConnections({ userId: "someone-else" });
      env.sandbox.scalekit.calls.reset();
      const events = await collect(
        env.runtime.send({
          userId: "cold-user",
          threadId: "t-cold",
          text: "email sam@example.com about lunch saying see you at noon and post 'lunch at noon' to #team",
          waitForAuthorization: false,
        }),
        (event) => {
          // Counted when the interrupt is raised, before the watcher starts polling.
          if (event.type === "authorization-required")
            for (const method of SCALEKIT_METHODS) counts[method] = env.sandbox.scalekit.calls.count(method);
        },
      );
      const required = ofType(events, "authorization-required")[0];
      expect(required?.requests.map((request) => request.connector).sort()).toEqual(["gmail", "slack"]);
      expect(counts).toEqual({
        ListConnectedAccounts: 1,
        GetConnectedAccountAuth: 0,
        CreateConnectedAccount: 2,
        GetMagicLinkForConnectedAccount: 2,
      });
    } finally {
      await env.close();
    }
  }, 60_000);

  it("warm path: no Scalekit call per model call, with one account connected and four not", async () => {
    const env = await startSandboxRuntime({}, {}, { webhooks: false });
    try {
      const user = { userId: "warm-user" };
      await env.sandbox.controls.approve(user, "gmail");
      await collect(env.runtime.send({ ...user, threadId: "t-warm-0", text: "show my unread email" }));
      env.sandbox.scalekit.calls.reset();
      for (let i = 1; i <= 5; i++) {
        const events = await collect(
          env.runtime.send({ ...user, threadId: `t-warm-${i}`, text: "show my unread email" }),
        );
        expect(ofType(events, "tool-result")[0]?.status).toBe("success");
      }
      for (const method of SCALEKIT_METHODS) expect(env.sandbox.scalekit.calls.count(method), method).toBe(0);
    } finally {
      await env.close();
    }
  }, 60_000);

  it("never asks again because of a stale 'not connected': the gate looks again first", async () => {
    const env = await startSandboxRuntime({}, {}, { webhooks: false });
    try {
      const user = { userId: "stale-user" };
      // The cache learns "not connected" for every connector…
      const before = await env.runtime.listConnections(user);
      expect(before.every((connection) => connection.status === "NOT_FOUND")).toBe(true);
      // …then the person connects Gmail somewhere else, and no webhook says so.
      await env.sandbox.controls.approve(user, "gmail");
      const events = await collect(
        env.runtime.send({ ...user, threadId: "t-stale", text: "show my unread email" }),
      );
      expect(ofType(events, "authorization-required")).toHaveLength(0);
      expect(ofType(events, "tool-result")[0]?.status).toBe("success");
    } finally {
      await env.close();
    }
  }, 60_000);
});
