import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CachedAgentAuth } from "../../../src/auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../../../src/auth/scalekit/scalekit-agent-auth.js";
import { isDelegateError } from "../../../src/errors.js";
import { type ScalekitEmulator, startScalekitEmulator } from "../../../src/sandbox/scalekit/index.js";

let emulator: ScalekitEmulator;
let auth: ScalekitAgentAuth;
let userCounter = 0;
const nextUser = () => ({ userId: `user-${++userCounter}-${Date.now()}` });

beforeAll(async () => {
  emulator = await startScalekitEmulator({ tokenPrefix: "CANARY_TOKEN_" });
  auth = new ScalekitAgentAuth({
    environmentUrl: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.calls.reset();
});

describe("ScalekitAgentAuth against the emulator (real ScalekitClient)", () => {
  it("walks the lifecycle: missing → pending → link → consent over HTTP → active → token", async () => {
    const user = nextUser();
    const before = await auth.getStatuses(user, ["gmail", "slack"]);
    expect(before.get("gmail")?.status).toBe("NOT_FOUND");
    expect(before.get("slack")?.status).toBe("NOT_FOUND");

    const created = await auth.ensureAccount(user, "gmail");
    expect(created.status).toBe("PENDING_AUTH");
    expect(created.accountId).toMatch(/^ca_/);

    const link = await auth.getAuthorizationLink(user, "gmail");
    expect(link.url.startsWith(emulator.url)).toBe(true);
    expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now());

    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(user.userId);
    const consent = await fetch(link.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "decision=allow",
    });
    expect(consent.status).toBe(200);

    const after = await auth.getStatuses(user, ["gmail", "slack"]);
    expect(after.get("gmail")?.status).toBe("ACTIVE");
    expect(after.get("slack")?.status).toBe("NOT_FOUND");

    const credentials = await auth.getCredentials(user, "gmail");
    expect(credentials.accessToken.startsWith("CANARY_TOKEN_")).toBe(true);
    expect(emulator.tokens.verify(credentials.accessToken)?.identifier).toBe(user.userId);
    expect(credentials.expiresAt?.getTime()).toBeGreaterThan(Date.now());
  });

  it("looks up a user's statuses with exactly one ListConnectedAccounts call", async () => {
    const user = nextUser();
    await emulator.approve(user.userId, "gmail", user);
    await emulator.approve(user.userId, "notion", user);
    emulator.calls.reset();
    const statuses = await auth.getStatuses(user, ["gmail", "googlecalendar", "slack", "notion", "outlook"]);
    expect([...statuses.values()].map((state) => state.status)).toEqual([
      "ACTIVE",
      "NOT_FOUND",
      "NOT_FOUND",
      "ACTIVE",
      "NOT_FOUND",
    ]);
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(1);
    expect(emulator.calls.count() - emulator.calls.count("OAuthToken")).toBe(1);
  });

  it("fetches one client token for many calls at once, first and after the token is revoked", async () => {
    const fresh = new ScalekitAgentAuth({
      environmentUrl: emulator.url,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
    });
    const users = Array.from({ length: 100 }, () => nextUser());
    const lookUps = () => Promise.all(users.map((user) => fresh.getStatuses(user, ["gmail"])));
    const statuses = await lookUps();
    expect(statuses.every((map) => map.get("gmail")?.status === "NOT_FOUND")).toBe(true);
    expect(emulator.calls.count("OAuthToken")).toBe(1);
    emulator.revokeClientTokens();
    emulator.calls.reset();
    await lookUps();
    expect(emulator.calls.count("OAuthToken")).toBe(1);
    // Every refused call was made again with the new token, once.
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(2 * users.length);
  });

  it("reports a deny as still pending and a revoke as disconnected", async () => {
    const user = nextUser();
    await auth.ensureAccount(user, "slack");
    await emulator.deny(user.userId, "slack", user);
    expect((await auth.getStatuses(user, ["slack"])).get("slack")?.status).toBe("PENDING_AUTH");
    await emulator.approve(user.userId, "slack", user);
    emulator.revokeAccount(user.userId, "slack", user);
    expect((await auth.getStatuses(user, ["slack"])).get("slack")?.status).toBe("DISCONNECTED");
    const error = await auth.getCredentials(user, "slack").catch((e: unknown) => e);
    expect(isDelegateError(error, "AUTHORIZATION_REQUIRED")).toBe(true);
  });

  it("maps an unknown connection to CONNECTION_NOT_CONFIGURED with the fix", async () => {
    const error = await auth.ensureAccount(nextUser(), "no-such-connection").catch((e: unknown) => e);
    expect(isDelegateError(error, "CONNECTION_NOT_CONFIGURED")).toBe(true);
    expect((error as Error).message).toContain('"no-such-connection"');
    expect((error as Error).message).toContain("DELEGATE_CONNECTIONS");
  });

  it("maps a tool-level unauthorized to PROVIDER_TOKEN_REJECTED", async () => {
    const user = nextUser();
    emulator.setHostedTools([
      {
        connection: "gmail",
        provider: "GMAIL",
        definition: {
          name: "gmail_fetch_mails",
          description: "Fetch mails",
          input_schema: { type: "object" },
        },
        execute: async () => ({ ok: true }),
      },
    ]);
    await emulator.approve(user.userId, "gmail", user);
    const result = await auth.executeTool({
      identity: user,
      connection: "gmail",
      toolName: "gmail_fetch_mails",
      input: {},
    });
    expect(result.data).toEqual({ ok: true });
    emulator.revokeAccount(user.userId, "gmail", user);
    const error = await auth
      .executeTool({ identity: user, connection: "gmail", toolName: "gmail_fetch_mails", input: {} })
      .catch((e: unknown) => e);
    expect(isDelegateError(error, "PROVIDER_TOKEN_REJECTED")).toBe(true);
    emulator.setHostedTools([]);
  });

  it("keeps Scalekit's and a tool's raw error text out of the message, in the cause for the log", async () => {
    const user = nextUser();
    const internal = "upstream answered 500: panic in /srv/provider/fetch.go:12";
    emulator.setHostedTools([
      {
        connection: "gmail",
        provider: "GMAIL",
        definition: {
          name: "gmail_fetch_mails",
          description: "Fetch mails",
          input_schema: { type: "object" },
        },
        execute: async () => {
          throw new Error(internal);
        },
      },
    ]);
    try {
      await emulator.approve(user.userId, "gmail", user);
      const toolError = (await auth
        .executeTool({ identity: user, connection: "gmail", toolName: "gmail_fetch_mails", input: {} })
        .catch((e: unknown) => e)) as Error;
      expect(isDelegateError(toolError, "TOOL_FAILED")).toBe(true);
      expect(toolError.message).toBe(
        "The tool failed (TOOL_EXECUTION_FAILED). Check the arguments, or try again in a moment.",
      );
      expect(String(toolError.cause)).toContain(internal);
    } finally {
      emulator.setHostedTools([]);
    }

    emulator.failNext("ListConnectedAccounts", 1, Code.Internal, "db down at /var/lib/scalekit/accounts.db");
    const error = (await auth.getStatuses(user, ["gmail"]).catch((e: unknown) => e)) as Error;
    expect(isDelegateError(error, "SCALEKIT_ERROR")).toBe(true);
    expect(error.message).toBe(
      "Scalekit could not list connected accounts (gRPC Internal). Try again in a moment; if it keeps failing, check the connection in the Scalekit dashboard.",
    );
    expect(String(error.cause)).toContain("/var/lib/scalekit");
  });

  it("retries Unavailable in the SDK, then gives a clear SCALEKIT_UNAVAILABLE", async () => {
    const user = nextUser();
    emulator.failNext("ListConnectedAccounts", 2, Code.Unavailable);
    const statuses = await auth.getStatuses(user, ["gmail"]);
    expect(statuses.get("gmail")?.status).toBe("NOT_FOUND");
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(3);

    emulator.failNext("ListConnectedAccounts", 4, Code.Unavailable);
    const error = await auth.getStatuses(user, ["gmail"]).catch((e: unknown) => e);
    expect(isDelegateError(error, "SCALEKIT_UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toMatch(/unavailable/i);
    expect((error as Error).message).toMatch(/try again/i);
  });

  it("maps a wrong client secret to SCALEKIT_CREDENTIALS_INVALID without echoing it", async () => {
    const secret = "sks_wrong_secret_CANARY_1234567890";
    const wrong = new ScalekitAgentAuth({
      environmentUrl: emulator.url,
      clientId: emulator.clientId,
      clientSecret: secret,
    });
    const error = await wrong.getStatuses(nextUser(), ["gmail"]).catch((e: unknown) => e);
    expect(isDelegateError(error, "SCALEKIT_CREDENTIALS_INVALID")).toBe(true);
    expect((error as Error).message).toContain("SCALEKIT_CLIENT_SECRET");
    for (const text of [(error as Error).message, JSON.stringify(error), String(error)]) {
      expect(text).not.toContain(secret);
    }
  });

  it("maps an unreachable Scalekit to SCALEKIT_UNAVAILABLE", async () => {
    const dead = new ScalekitAgentAuth({
      environmentUrl: "http://127.0.0.1:1",
      clientId: "x",
      clientSecret: "y",
      timeoutMs: 2000,
    });
    const error = await dead.getStatuses(nextUser(), ["gmail"]).catch((e: unknown) => e);
    expect(isDelegateError(error, "SCALEKIT_UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toContain("127.0.0.1:1");
  });
});

describe("CachedAgentAuth", () => {
  it("makes zero Scalekit calls on the warm path", async () => {
    const cached = new CachedAgentAuth(auth);
    const user = nextUser();
    await emulator.approve(user.userId, "gmail", user);
    await cached.getStatuses(user, ["gmail"]);
    await cached.getCredentials(user, "gmail");
    emulator.calls.reset();
    for (let i = 0; i < 20; i++) {
      expect((await cached.getStatuses(user, ["gmail"])).get("gmail")?.status).toBe("ACTIVE");
      expect((await cached.getCredentials(user, "gmail")).accessToken).toMatch(/^CANARY_TOKEN_/);
    }
    expect(emulator.calls.count()).toBe(0);
  });

  it("shares one call among 50 concurrent look-ups of the same key", async () => {
    const cached = new CachedAgentAuth(auth);
    const user = nextUser();
    await emulator.approve(user.userId, "gmail", user);
    emulator.calls.reset();
    const statuses = await Promise.all(Array.from({ length: 50 }, () => cached.getStatuses(user, ["gmail"])));
    expect(statuses.every((map) => map.get("gmail")?.status === "ACTIVE")).toBe(true);
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(1);
    const credentials = await Promise.all(
      Array.from({ length: 50 }, () => cached.getCredentials(user, "gmail")),
    );
    expect(new Set(credentials.map((c) => c.accessToken)).size).toBe(1);
    expect(emulator.calls.count("GetConnectedAccountAuth")).toBe(1);
  });

  it("keeps an ACTIVE status for its TTL, a non-active one until asked for a fresher one, and honours invalidate", async () => {
    let now = Date.now();
    const cached = new CachedAgentAuth(auth, { activeStatusTtlMs: 60_000, now: () => now });
    const user = nextUser();
    await cached.getStatuses(user, ["gmail"]);
    await cached.getStatuses(user, ["gmail"]);
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(1); // NOT_FOUND, cached briefly
    await cached.getStatuses(user, ["gmail"], { inactiveSince: now + 1 });
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(2); // …unless a fresher one is needed

    await emulator.approve(user.userId, "gmail", user);
    emulator.calls.reset();
    now += 1;
    await cached.getStatuses(user, ["gmail"], { inactiveSince: now });
    await cached.getStatuses(user, ["gmail"], { inactiveSince: now });
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(1);

    now += 61_000;
    await cached.getStatuses(user, ["gmail"]);
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(2);

    cached.invalidate(user, "gmail");
    await cached.getStatuses(user, ["gmail"]);
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(3);
  });

  it("never hands a look-up that began before an invalidate to one that began after it", async () => {
    const cached = new CachedAgentAuth(auth);
    const user = nextUser();
    await emulator.approve(user.userId, "gmail", user);
    // The client holds its token already, so each look-up below is one call.
    await auth.getStatuses(nextUser(), ["gmail"]);
    emulator.setLatency(300, "ListConnectedAccounts");
    try {
      const calls = emulator.calls.count("ListConnectedAccounts");
      const before = cached.getStatuses(user, ["gmail"]);
      // The look-up has reached Scalekit (its answer is held back by the latency).
      while (emulator.calls.count("ListConnectedAccounts") === calls) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Scalekit has read the account (ACTIVE); its answer is still on the way back.
      emulator.revokeAccount(user.userId, "gmail", user);
      cached.invalidate(user, "gmail");
      const after = await cached.getStatuses(user, ["gmail"]);
      expect(after.get("gmail")?.status).toBe("DISCONNECTED");
      // The later look-up asked Scalekit itself rather than joining the earlier one…
      expect(emulator.calls.count("ListConnectedAccounts")).toBe(calls + 2);
      // …whose answer is the stale one,
      expect((await before).get("gmail")?.status).toBe("ACTIVE");
      // and it did not land in the cache either.
      expect((await cached.getStatuses(user, ["gmail"])).get("gmail")?.status).toBe("DISCONNECTED");
    } finally {
      emulator.setLatency(0, "ListConnectedAccounts");
    }
  });

  it("keeps credentials until 60 s before tokenExpiresAt", async () => {
    let now = Date.now();
    const cached = new CachedAgentAuth(auth, { now: () => now });
    const user = nextUser();
    await emulator.approve(user.userId, "gmail", user);
    const first = await cached.getCredentials(user, "gmail");
    const expiresAt = first.expiresAt?.getTime() ?? 0;
    emulator.calls.reset();
    now = expiresAt - 61_000;
    await cached.getCredentials(user, "gmail");
    expect(emulator.calls.count("GetConnectedAccountAuth")).toBe(0);
    now = expiresAt - 59_000;
    await cached.getCredentials(user, "gmail");
    expect(emulator.calls.count("GetConnectedAccountAuth")).toBe(1);
  });

  it("issues one account's links one at a time, each recorded as the latest before the next is made", async () => {
    const events: string[] = [];
    // The real adapter, with its link calls noted.
    const noting = new Proxy(auth, {
      get(target, property) {
        if (property === "getAuthorizationLink") {
          return (...args: Parameters<ScalekitAgentAuth["getAuthorizationLink"]>) => {
            events.push(`make ${args[2]?.scope}`);
            return target.getAuthorizationLink(...args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const cached = new CachedAgentAuth(noting);
    const user = nextUser();
    const issue = (scope: string) =>
      cached.getAuthorizationLink(user, "gmail", {
        scope,
        issued: async () => {
          events.push(`latest ${scope}`);
        },
      });
    // Two threads (scopes) ask at once.
    const [a, b] = await Promise.all([issue("thread-a"), issue("thread-b")]);
    expect(a.url).not.toBe(b.url);
    expect(events).toEqual(["make thread-a", "latest thread-a", "make thread-b", "latest thread-b"]);
  });

  it("reuses an unexpired link and makes a fresh one once it lapses", async () => {
    let now = Date.now();
    const cached = new CachedAgentAuth(auth, { now: () => now });
    const user = nextUser();
    const first = await cached.getAuthorizationLink(user, "notion");
    const again = await cached.getAuthorizationLink(user, "notion");
    expect(again.url).toBe(first.url);
    now = first.expiresAt.getTime();
    const fresh = await cached.getAuthorizationLink(user, "notion");
    expect(fresh.url).not.toBe(first.url);
  });
});
