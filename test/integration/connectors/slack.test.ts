import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectorToolSpec } from "../../../src/connectors/connector-tool.js";
import { ProviderClient } from "../../../src/connectors/provider-client.js";
import { CONNECTORS } from "../../../src/connectors/registry.js";
import { interpretSlackBody } from "../../../src/connectors/slack/slack-api.js";
import { slackConnector } from "../../../src/connectors/slack/slack-connector.js";
import { isDelegateError } from "../../../src/errors.js";
import { type ProviderServer, startProviderServer } from "../../../src/sandbox/providers/provider-server.js";
import {
  createSlackEmulator,
  type SlackEmulator,
} from "../../../src/sandbox/providers/slack/slack-emulator.js";
import { SLACK_CHANNELS, SLACK_USERS } from "../../../src/sandbox/providers/slack/slack-seed.js";
import type { TokenGrant, TokenVerifier } from "../../../src/sandbox/token-grants.js";

const ALL_SCOPES = CONNECTORS.slack.scopes;
const FIXED_NOW = new Date("2025-03-12T18:00:00Z");
const TIME_ZONE = "America/Los_Angeles";

class GrantTable implements TokenVerifier {
  readonly #grants = new Map<string, TokenGrant>();
  add(
    token: string,
    identifier: string,
    scopes: readonly string[] = ALL_SCOPES,
    connection = "slack",
  ): string {
    this.#grants.set(token, { identifier, connection, scopes, expiresAt: new Date(Date.now() + 3_600_000) });
    return token;
  }
  verify(token: string): TokenGrant | undefined {
    return this.#grants.get(token);
  }
}

const tokens = new GrantTable();
const DANA = tokens.add("xoxp-dana-secret-token", "user-dana");
const BOB = tokens.add("xoxp-bob-secret-token", "user-bob");
const READ_ONLY = tokens.add(
  "xoxp-readonly-token",
  "user-readonly",
  ALL_SCOPES.filter((scope) => scope !== "chat:write"),
);
const GMAIL_TOKEN = tokens.add("ya29-gmail-token", "user-dana", ALL_SCOPES, "gmail");

let server: ProviderServer;
let emulator: SlackEmulator;

beforeAll(async () => {
  emulator = createSlackEmulator({ now: () => FIXED_NOW });
  server = await startProviderServer({ tokens, emulators: [emulator] });
});

afterAll(async () => {
  await server?.close();
});

function client(accessToken: string): ProviderClient {
  return new ProviderClient({
    connector: "slack",
    baseUrl: server.url,
    accessToken,
    interpretBody: slackConnector.interpretBody,
    retry: { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 50 },
  });
}

function tool(name: string): ConnectorToolSpec {
  const found = slackConnector.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

// biome-ignore lint/suspicious/noExplicitAny: results are inspected structurally in assertions
async function call(name: string, input: Record<string, unknown>, token = DANA): Promise<any> {
  const spec = tool(name);
  const parsed = spec.schema.parse(input);
  return spec.run(parsed, { http: client(token), timeZone: TIME_ZONE, now: FIXED_NOW });
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isDelegateError(error)) throw new Error(`expected a DelegateError, got ${String(error)}`);
  return error;
}

describe("slack connector definition", () => {
  it("declares exactly the five tools with the right side effects", () => {
    expect(slackConnector.id).toBe("slack");
    expect(slackConnector.defaultBaseUrl).toBe("https://slack.com");
    expect(slackConnector.tools.map((t) => [t.name, t.effect !== "read"])).toEqual([
      ["slack_list_channels", false],
      ["slack_read_channel", false],
      ["slack_post_message", true],
      ["slack_search_messages", false],
      ["slack_list_users", false],
    ]);
  });

  it("has no field that lets the model choose whose account is used", () => {
    for (const spec of slackConnector.tools) {
      for (const key of Object.keys(spec.schema.shape)) {
        expect(key).not.toMatch(/user|identifier|email|account|token/i);
      }
    }
  });

  it("validates limits", () => {
    expect(() => tool("slack_list_channels").schema.parse({ limit: 500 })).toThrow();
    expect(() => tool("slack_read_channel").schema.parse({ channel: "#team", limit: 101 })).toThrow();
    expect(() => tool("slack_search_messages").schema.parse({ query: "x", count: 51 })).toThrow();
    expect(() => tool("slack_post_message").schema.parse({ channel: "#team", text: "" })).toThrow();
  });

  it("maps Slack's ok:false answers to HTTP meanings", () => {
    expect(interpretSlackBody(200, { ok: false, error: "invalid_auth" })?.status).toBe(401);
    expect(interpretSlackBody(200, { ok: false, error: "token_revoked" })?.status).toBe(401);
    expect(
      interpretSlackBody(200, { ok: false, error: "missing_scope", needed: "chat:write" }),
    ).toMatchObject({
      status: 403,
      scope: "chat:write",
    });
    expect(interpretSlackBody(200, { ok: false, error: "ratelimited" })?.status).toBe(429);
    expect(interpretSlackBody(200, { ok: false, error: "channel_not_found" })?.status).toBe(404);
    expect(interpretSlackBody(200, { ok: false, error: "not_in_channel" })).toEqual({
      status: 400,
      message: "not_in_channel",
    });
    expect(interpretSlackBody(200, { ok: true })).toBeUndefined();
    // A real HTTP 429 is left to the client so Retry-After is honoured.
    expect(interpretSlackBody(429, { ok: false, error: "ratelimited" })).toBeUndefined();
  });
});

describe("slack tools against the emulator", () => {
  it("lists channels with topic, members and membership, including a private one", async () => {
    const result = await call("slack_list_channels", {});
    const names = result.channels.map((c: { name: string }) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(["general", "team", "engineering", "random", "launch", "design"]),
    );
    const launch = result.channels.find((c: { name: string }) => c.name === "launch");
    expect(launch).toMatchObject({
      id: SLACK_CHANNELS.launch,
      is_private: true,
      is_member: true,
      members: 5,
    });
    expect(launch.topic).toContain("launch");
    const design = result.channels.find((c: { name: string }) => c.name === "design");
    expect(design.is_member).toBe(false);

    const limited = await call("slack_list_channels", { limit: 2 });
    expect(limited.channels).toHaveLength(2);
  });

  it("falls back to public channels when Slack refuses private ones", async () => {
    server.failNext("/api/conversations.list", 1, {
      status: 200,
      body: { ok: false, error: "invalid_types" },
    });
    const result = await call("slack_list_channels", {});
    expect(result.channels.length).toBeGreaterThan(3);
    expect(server.requests.at(-1)?.path).toContain("types=public_channel&");
  });

  it("reads a channel oldest to newest with resolved names, rendered mentions and threads", async () => {
    const result = await call("slack_read_channel", { channel: "#engineering" });
    expect(result.channel).toEqual({ id: SLACK_CHANNELS.engineering, name: "engineering" });
    const ts = result.messages.map((m: { ts: string }) => Number(m.ts));
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(result.messages.at(-1)).toMatchObject({ user: "Sam Rivera" });
    expect(result.messages.at(-1).text).toContain("Launch freeze");
    expect(result.messages.at(-1).time).toMatch(/^2025-03-12T10:40:\d\d-07:00$/);
    const review = result.messages.find((m: { text: string }) => m.text.includes("retry backoff"));
    expect(review.text).toContain("@Tom Nguyen");
    expect(review.text).toContain("atlas#2291 (https://github.com/larkspur/atlas/pull/2291)");
    expect(review.reply_count).toBe(2);
    expect(result.messages.some((m: { user: string }) => m.user === "Deploy Bot")).toBe(true);
    // Replies are not part of the channel history.
    expect(result.messages.some((m: { text: string }) => m.text === "Looking now.")).toBe(false);
  });

  it("reads by id, honours the limit, and reads a thread", async () => {
    const latest = await call("slack_read_channel", { channel: SLACK_CHANNELS.team, limit: 2 });
    expect(latest.channel.name).toBe("team");
    expect(latest.messages).toHaveLength(2);
    expect(latest.has_more).toBe(true);

    const standup = (await call("slack_read_channel", { channel: "team" })).messages.find(
      (m: { text: string }) => m.text.startsWith("Standup thread"),
    );
    const thread = await call("slack_read_channel", { channel: "#team", thread_ts: standup.ts });
    expect(thread.messages.map((m: { user: string }) => m.user)).toEqual([
      "Priya Natarajan",
      "Sam Rivera",
      "Marcus Chen",
      "Dana Whitfield",
    ]);
    expect(thread.messages[1].thread_ts).toBe(standup.ts);
  });

  it("posts a message that is visible afterwards, and replies in a thread", async () => {
    const posted = await call("slack_post_message", { channel: "#team", text: "deploy is done :rocket:" });
    expect(posted).toMatchObject({ channel: SLACK_CHANNELS.team, channel_name: "#team" });
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    expect(posted.permalink).toBe(
      `https://larkspur.slack.com/archives/${SLACK_CHANNELS.team}/p${posted.ts.replace(".", "")}`,
    );

    const read = await call("slack_read_channel", { channel: "#team" });
    expect(read.messages.at(-1)).toMatchObject({
      ts: posted.ts,
      user: "Dana Whitfield",
      text: "deploy is done :rocket:",
    });
    expect(emulator.inspect("user-dana").messages("#team").at(-1)).toMatchObject({
      user: SLACK_USERS.dana,
      text: "deploy is done :rocket:",
      // Slack never fetches a URL in a posted message to preview it.
      unfurl_links: false,
      unfurl_media: false,
    });

    const reply = await call("slack_post_message", {
      channel: "#team",
      text: "thanks all",
      thread_ts: posted.ts,
    });
    expect(reply.thread_ts).toBe(posted.ts);
    expect(reply.permalink).toContain(`thread_ts=${posted.ts}`);
    const after = await call("slack_read_channel", { channel: "#team" });
    expect(after.messages.at(-1)).toMatchObject({ ts: posted.ts, reply_count: 1 });
  });

  it("refuses to post to an unknown channel before posting anything", async () => {
    const posts = () => server.requests.filter((r) => r.path.startsWith("/api/chat.postMessage")).length;
    const before = posts();
    const error = await failure(call("slack_post_message", { channel: "#does-not-exist", text: "hi" }));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.details.status).toBe(404);
    expect(error.message).toContain("#does-not-exist");
    expect(posts()).toBe(before);
  });

  it("reports posting to a channel the user is not in", async () => {
    const error = await failure(call("slack_post_message", { channel: "#design", text: "hello" }));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.message).toContain("not_in_channel");
  });

  it("searches messages with free text, in: and from: modifiers", async () => {
    const launch = await call("slack_search_messages", { query: "launch" });
    expect(launch.matches.length).toBeGreaterThan(3);
    const times = launch.matches.map((m: { ts: string }) => Number(m.ts));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(launch.matches[0]).toMatchObject({
      channel: expect.stringMatching(/^#/),
      user: expect.any(String),
    });
    expect(launch.matches[0].permalink).toMatch(/^https:\/\/larkspur\.slack\.com\/archives\//);
    // Private channel results are visible to members, and #design to everyone.
    expect(launch.matches.some((m: { channel: string }) => m.channel === "#launch")).toBe(true);

    const scoped = await call("slack_search_messages", { query: "in:#engineering from:@sam freeze" });
    expect(scoped.matches).toHaveLength(1);
    expect(scoped.matches[0]).toMatchObject({ channel: "#engineering", user: "Sam Rivera" });

    const byName = await call("slack_search_messages", { query: "from:@priya", count: 2 });
    expect(byName.matches).toHaveLength(2);
    expect(byName.total).toBeGreaterThan(2);
    expect(byName.matches.every((m: { user: string }) => m.user === "Priya Natarajan")).toBe(true);

    const none = await call("slack_search_messages", { query: "kubernetes migration" });
    expect(none).toEqual({ total: 0, matches: [] });
  });

  it("lists users with titles and bots", async () => {
    const result = await call("slack_list_users", {});
    expect(result.users).toHaveLength(8);
    expect(result.users).toContainEqual({
      id: SLACK_USERS.dana,
      name: "dana",
      real_name: "Dana Whitfield",
      title: "Head of Product",
      is_bot: false,
    });
    expect(result.users.find((u: { is_bot: boolean }) => u.is_bot)).toMatchObject({
      real_name: "Deploy Bot",
    });
    expect((await call("slack_list_users", { limit: 3 })).users).toHaveLength(3);
  });

  it("keeps each user's workspace separate", async () => {
    await call("slack_post_message", { channel: "#random", text: "only dana should see this" }, DANA);
    const bob = await call("slack_read_channel", { channel: "#random" }, BOB);
    expect(bob.messages.some((m: { text: string }) => m.text === "only dana should see this")).toBe(false);
    const bobSearch = await call("slack_search_messages", { query: "only dana should see" }, BOB);
    expect(bobSearch.matches).toHaveLength(0);
    const danaSearch = await call("slack_search_messages", { query: "only dana should see" }, DANA);
    expect(danaSearch.matches).toHaveLength(1);
  });
});

describe("slack failures", () => {
  it("turns an unknown token into PROVIDER_TOKEN_REJECTED without leaking it", async () => {
    const error = await failure(call("slack_list_channels", {}, "xoxp-unknown-token"));
    expect(error.code).toBe("PROVIDER_TOKEN_REJECTED");
    expect(error.message).toContain("invalid_auth");
    expect(JSON.stringify(error.toJSON())).not.toContain("xoxp-unknown-token");
  });

  it("rejects a token issued for another connection", async () => {
    const error = await failure(call("slack_list_users", {}, GMAIL_TOKEN));
    expect(error.code).toBe("PROVIDER_TOKEN_REJECTED");
  });

  it("names the missing scope", async () => {
    const error = await failure(call("slack_post_message", { channel: "#team", text: "hi" }, READ_ONLY));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.message).toContain('"chat:write"');
    expect(error.details.scope).toBe("chat:write");
    // Reads still work with that token.
    expect((await call("slack_list_channels", {}, READ_ONLY)).channels.length).toBeGreaterThan(0);
  });

  it("reports an unknown channel id as not found", async () => {
    const error = await failure(call("slack_read_channel", { channel: "C0NOTREAL99" }));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.details.status).toBe(404);
    expect(error.message).toContain("channel_not_found");
  });

  it("reports an unknown thread as not found", async () => {
    const error = await failure(
      call("slack_read_channel", { channel: "#team", thread_ts: "1000000000.000001" }),
    );
    expect(error.details.status).toBe(404);
  });

  it("retries an HTTP 429 with Retry-After, then succeeds", async () => {
    const before = server.requests.length;
    server.failNext("/api/users.list", 1, {
      status: 429,
      headers: { "retry-after": "0" },
      body: { ok: false, error: "ratelimited" },
    });
    const result = await call("slack_list_users", { limit: 2 });
    expect(result.users).toHaveLength(2);
    const statuses = server.requests.slice(before).map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
  });

  it("retries a 200 ratelimited body too", async () => {
    server.failNext("/api/users.list", 1, { status: 200, body: { ok: false, error: "ratelimited" } });
    expect((await call("slack_list_users", { limit: 1 })).users).toHaveLength(1);
  });

  it("gives up after repeated 5xx answers", async () => {
    server.failNext("/api/search.messages", 3, {
      status: 503,
      body: { ok: false, error: "service_unavailable" },
    });
    const error = await failure(call("slack_search_messages", { query: "launch" }));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.details.status).toBe(503);
    expect(error.message).toContain("unavailable");
  });

  it("never puts the token in a result", async () => {
    const results = await Promise.all([
      call("slack_list_channels", {}),
      call("slack_read_channel", { channel: "#launch" }),
      call("slack_search_messages", { query: "launch" }),
      call("slack_list_users", {}),
      call("slack_post_message", { channel: "#general", text: "token check" }),
    ]);
    for (const result of results) expect(JSON.stringify(result)).not.toContain(DANA);
  });
});
