import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ConnectorToolSpec } from "../../../src/connectors/connector-tool.js";
import { gmailConnector } from "../../../src/connectors/gmail/gmail-connector.js";
import { buildRawMessage } from "../../../src/connectors/gmail/mime.js";
import { ProviderClient } from "../../../src/connectors/provider-client.js";
import { isDelegateError } from "../../../src/errors.js";
import {
  createGmailEmulator,
  GMAIL_SCOPES,
  type GmailEmulator,
} from "../../../src/sandbox/providers/gmail/gmail-emulator.js";
import { GMAIL_SANDBOX_ADDRESS } from "../../../src/sandbox/providers/gmail/gmail-seed.js";
import { googleError } from "../../../src/sandbox/providers/provider-emulator.js";
import { type ProviderServer, startProviderServer } from "../../../src/sandbox/providers/provider-server.js";
import type { TokenGrant, TokenVerifier } from "../../../src/sandbox/token-grants.js";

const ALL_SCOPES = [GMAIL_SCOPES.readonly, GMAIL_SCOPES.send, GMAIL_SCOPES.compose];
const TIME_ZONE = "Asia/Kolkata"; // a fixed +05:30 offset makes rendered times checkable
const MESSAGES_PATH = "/gmail/v1/users/me/messages";

/** A real verifier over a fixed set of grants, honouring expiry like the Scalekit emulator. */
class GrantTable implements TokenVerifier {
  readonly #grants = new Map<string, TokenGrant>();
  add(
    token: string,
    identifier: string,
    scopes: readonly string[],
    connection = "gmail",
    ttlMs = 3_600_000,
  ): string {
    this.#grants.set(token, { identifier, connection, scopes, expiresAt: new Date(Date.now() + ttlMs) });
    return token;
  }
  verify(token: string): TokenGrant | undefined {
    const grant = this.#grants.get(token);
    return grant && grant.expiresAt.getTime() > Date.now() ? grant : undefined;
  }
}

const grants = new GrantTable();
const ALICE = grants.add("ya29.alice-secret-token", "alice", ALL_SCOPES);
const BOB = grants.add("ya29.bob-secret-token", "bob", ALL_SCOPES);
const READ_ONLY = grants.add("ya29.readonly-token", "carol", [GMAIL_SCOPES.readonly]);
const NO_COMPOSE = grants.add("ya29.nocompose-token", "dave", [GMAIL_SCOPES.readonly, GMAIL_SCOPES.send]);
const NO_READ = grants.add("ya29.noread-token", "erin", [GMAIL_SCOPES.send, GMAIL_SCOPES.compose]);
const CALENDAR = grants.add("ya29.calendar-token", "alice", ALL_SCOPES, "googlecalendar");
const EXPIRED = grants.add("ya29.expired-token", "alice", ALL_SCOPES, "gmail", -1_000);

let server: ProviderServer;
let emulator: GmailEmulator;

beforeAll(async () => {
  emulator = createGmailEmulator();
  server = await startProviderServer({ tokens: grants, emulators: [emulator] });
});

afterAll(async () => {
  await server?.close();
});

function tool(name: string): ConnectorToolSpec {
  const found = gmailConnector.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

function client(token: string, maxRetries = 2): ProviderClient {
  return new ProviderClient({
    connector: "gmail",
    baseUrl: server.url,
    accessToken: token,
    retry: { maxRetries, initialDelayMs: 5, maxDelayMs: 50 },
  });
}

/** Runs a tool as the agent would, and checks that no token ever appears in what it returns. */
// biome-ignore lint/suspicious/noExplicitAny: results are inspected field by field
async function run(name: string, input: unknown, token = ALICE, http = client(token)): Promise<any> {
  const spec = tool(name);
  const result = await spec.run(spec.schema.parse(input), { http, timeZone: TIME_ZONE, now: new Date() });
  const json = JSON.stringify(result);
  for (const secret of [ALICE, BOB, READ_ONLY, NO_COMPOSE, NO_READ, token])
    expect(json).not.toContain(secret);
  return result;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

interface Summary {
  id: string;
  thread_id: string;
  from: string;
  to: string;
  subject: string;
  date: string;
  snippet: string;
  unread: boolean;
}

describe("gmail connector: tool definitions", () => {
  it("exposes exactly the four tools, with side effects flagged", () => {
    expect(gmailConnector.id).toBe("gmail");
    expect(gmailConnector.defaultBaseUrl).toBe("https://gmail.googleapis.com");
    expect(gmailConnector.tools.map((spec) => [spec.name, spec.effect !== "read"])).toEqual([
      ["gmail_search_messages", false],
      ["gmail_get_message", false],
      ["gmail_send_message", true],
      ["gmail_create_draft", true],
    ]);
  });

  it("has no field naming the account owner, and describes every field", () => {
    for (const spec of gmailConnector.tools) {
      const schema = z.toJSONSchema(spec.schema) as { properties: Record<string, { description?: string }> };
      for (const [field, property] of Object.entries(schema.properties)) {
        expect(field).not.toMatch(/user|identifier|account|owner|from/i);
        expect(property.description, `${spec.name}.${field}`).toBeTruthy();
      }
      expect(spec.description.length).toBeGreaterThan(20);
    }
  });

  it("rejects malformed input before any request is made", () => {
    expect(() => tool("gmail_search_messages").schema.parse({ max_results: 51 })).toThrow();
    expect(() => tool("gmail_get_message").schema.parse({ message_id: "../drafts" })).toThrow();
    expect(() =>
      tool("gmail_send_message").schema.parse({ to: ["not-an-email"], subject: "x", body: "y" }),
    ).toThrow();
    expect(() => tool("gmail_create_draft").schema.parse({ to: [], subject: "x", body: "y" })).toThrow();
    expect(tool("gmail_search_messages").schema.parse({})).toEqual({ query: "", max_results: 10 });
  });
});

describe("gmail connector: reading the seeded mailbox", () => {
  it("lists the newest mail by default, newest first, with times in the user's zone", async () => {
    const result = await run("gmail_search_messages", {});
    expect(result.messages).toHaveLength(10);
    expect(result.total).toBeGreaterThanOrEqual(18);
    const times = result.messages.map((message: Summary) => Date.parse(message.date));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const message of result.messages as Summary[]) {
      expect(message.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
      expect(message.id).toMatch(/^[0-9a-f]{16}$/);
      expect(message.from).not.toBe("");
    }
  });

  it("finds the unread mail", async () => {
    const result = await run("gmail_search_messages", { query: "is:unread", max_results: 50 });
    const unreadInStore = emulator.inspect("alice").messages.filter((m) => m.labelIds.includes("UNREAD"));
    expect(result.messages.length).toBeGreaterThanOrEqual(5);
    expect(result.messages.length).toBeLessThanOrEqual(7);
    expect(result.messages.map((m: Summary) => m.id).sort()).toEqual(unreadInStore.map((m) => m.id).sort());
    expect(result.messages.every((m: Summary) => m.unread)).toBe(true);
    expect(result.total).toBe(result.messages.length);
  });

  it("searches free text across subjects and bodies and honours max_results", async () => {
    const all = await run("gmail_search_messages", { query: "invoice", max_results: 50 });
    const inSubject = all.messages.filter((m: Summary) => /invoice/i.test(m.subject));
    expect(inSubject.length).toBeGreaterThanOrEqual(2);
    const two = await run("gmail_search_messages", { query: "INVOICE", max_results: 2 });
    expect(two.messages).toHaveLength(2);
    expect(two.total).toBe(all.total);
    expect(two.messages.map((m: Summary) => m.id)).toEqual(
      all.messages.slice(0, 2).map((m: Summary) => m.id),
    );
  });

  it("supports from:, subject: phrases, in:sent, label:, is:read, OR and negation", async () => {
    const search = async (query: string) =>
      (await run("gmail_search_messages", { query, max_results: 50 })).messages as Summary[];

    const fromDana = await search("from:dana@acme-corp.com");
    expect(fromDana.length).toBe(3);
    expect(fromDana.every((m) => m.from.includes("dana@acme-corp.com"))).toBe(true);

    const contract = await search('subject:"vendor contract"');
    expect(contract.length).toBe(3);
    expect(new Set(contract.map((m) => m.thread_id)).size).toBe(1);

    const sent = await search("in:sent");
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.every((m) => m.from.includes(GMAIL_SANDBOX_ADDRESS))).toBe(true);

    const promotions = await search("label:CATEGORY_PROMOTIONS");
    expect(promotions.map((m) => m.from)).toContain("The Weekly Stack <newsletter@weeklystack.dev>");
    expect(promotions.every((m) => !m.from.includes("dana"))).toBe(true);

    const read = await search("is:read in:inbox");
    expect(read.length).toBeGreaterThan(0);
    expect(read.some((m) => m.unread)).toBe(false);

    const samOrPriya = await search("from:sam OR from:priya");
    expect(new Set(samOrPriya.map((m) => m.from.replace(/ <.*/, "")))).toEqual(
      new Set(["Sam Rivera", "Priya Natarajan"]),
    );
    const notGithub = await search("-from:github.com is:unread");
    expect(notGithub.length).toBeGreaterThan(0);
    expect(notGithub.some((m) => m.from.includes("github"))).toBe(false);

    expect(await search("zebra-unicorn-nonexistent")).toEqual([]);
  });

  it("filters by age with newer_than and older_than", async () => {
    const now = Date.now();
    const recent = (await run("gmail_search_messages", { query: "newer_than:1d", max_results: 50 })).messages;
    const old = (await run("gmail_search_messages", { query: "older_than:14d", max_results: 50 })).messages;
    expect(recent.length).toBeGreaterThan(0);
    expect(old.length).toBeGreaterThan(0);
    for (const m of recent as Summary[]) expect(now - Date.parse(m.date)).toBeLessThanOrEqual(86_400_000);
    for (const m of old as Summary[]) expect(now - Date.parse(m.date)).toBeGreaterThan(14 * 86_400_000);
    const storeRecent = emulator
      .inspect("alice")
      .messages.filter((m) => now - m.internalDate.getTime() <= 86_400_000 && !m.labelIds.includes("DRAFT"));
    expect(recent.length).toBe(storeRecent.length);
  });

  it("reads the latest message from Dana: plain-text body, cc, labels and attachment", async () => {
    const [latest] = (await run("gmail_search_messages", { query: "from:dana", max_results: 1 })).messages;
    const message = await run("gmail_get_message", { message_id: latest.id });
    expect(message).toMatchObject({
      id: latest.id,
      thread_id: latest.thread_id,
      from: "Dana Whitfield <dana@acme-corp.com>",
      cc: "Marcus Lee <marcus@acme-corp.com>",
      subject: "Re: Q3 vendor contract — redlines",
      unread: true,
      attachments: [{ filename: "Acme_MSA_v3_redline.pdf", mime_type: "application/pdf" }],
    });
    expect(message.labels).toEqual(expect.arrayContaining(["INBOX", "UNREAD", "IMPORTANT"]));
    expect(message.body).toMatch(/^Hi Alex,\n\nLegal agreed to the data-breach carve-out\./);
    expect(message.body).not.toMatch(/<[a-z]/i); // the text/plain alternative, not the HTML one
    expect(message.truncated).toBeUndefined();
    expect(message.date).toBe(latest.date);
  });

  it("falls back to HTML as text and cuts long bodies", async () => {
    const [issue] = (await run("gmail_search_messages", { query: 'subject:"boring queues"' })).messages;
    expect(issue.snippet).toContain("You're receiving this"); // Gmail escapes snippets; the tool unescapes
    const message = await run("gmail_get_message", { message_id: issue.id });
    expect(message.body).toMatch(/^The Weekly Stack — Issue #142\n\nHand-picked reading/);
    expect(message.body).not.toMatch(/<\/?(p|td|h2|a)\b|&mdash;|&#39;|font-family/);
    expect(message.body).toContain("Read more → (https://weeklystack.dev/142/1)");
    expect(message.truncated).toBe(true);
    expect(message.body.length).toBeLessThanOrEqual(6002);
    expect(message.body.length).toBeGreaterThan(5000);
  });

  it("answers an unknown message id with a not-found provider error", async () => {
    const error = await failure(run("gmail_get_message", { message_id: "18c0ffee00000000" }));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as { details: { status: number } }).details.status).toBe(404);
    expect((error as Error).message).toMatch(/Gmail was not found/);
  });
});

describe("gmail connector: sending and drafting", () => {
  it("sends a UTF-8 message as RFC 2822 and shows it in Sent", async () => {
    const subject =
      "Lunch Thursday — café ☕ at noon, with a subject long enough to need several encoded words";
    const body = "See you at noon!\nÇa marche — I'll book a table.";
    const result = await run("gmail_send_message", {
      to: ["sam@example.com"],
      cc: ["priya@example.com"],
      bcc: ["assistant@example.com"],
      subject,
      body,
    });
    expect(result.labels).toEqual(["SENT"]);
    expect(result.thread_id).toBe(result.id);

    const stored = emulator.inspect("alice").messages.find((m) => m.id === result.id);
    expect(stored?.headers).toMatchObject({
      from: `Alex Morgan <${GMAIL_SANDBOX_ADDRESS}>`,
      to: "sam@example.com",
      cc: "priya@example.com",
      bcc: "assistant@example.com",
      subject,
      "content-type": 'text/plain; charset="UTF-8"',
    });
    expect(stored?.text).toBe(body.replace(/\n/g, "\r\n"));

    const [first] = (await run("gmail_search_messages", { query: "in:sent", max_results: 1 })).messages;
    expect(first).toMatchObject({ id: result.id, subject, to: "sam@example.com", unread: false });
    const read = await run("gmail_get_message", { message_id: result.id });
    expect(read).toMatchObject({ subject, body, cc: "priya@example.com", labels: ["SENT"] });
  });

  it("builds CRLF messages with RFC 2047 subjects and no way to inject headers", async () => {
    const raw = buildRawMessage({
      to: ["a@example.com"],
      subject: "Grüße aus Köln — ein längerer Betreff ✓✓✓",
      body: "x",
    });
    expect(raw).not.toMatch(/[^\r]\n/);
    const subjectLines =
      raw
        .split("\r\n\r\n")[0]
        ?.split("\r\n")
        .filter((l) => /^(Subject:| =\?)/.test(l)) ?? [];
    expect(subjectLines.length).toBeGreaterThan(1);
    for (const line of subjectLines) expect(line.replace(/^Subject: | /, "").length).toBeLessThanOrEqual(75);

    const sent = await run("gmail_send_message", {
      to: ["sam@example.com"],
      subject: "Hello\r\nBcc: attacker@evil.test",
      body: "hi",
    });
    const stored = emulator.inspect("alice").messages.find((m) => m.id === sent.id);
    expect(stored?.headers.subject).toBe("Hello Bcc: attacker@evil.test");
    expect(stored?.headers.bcc).toBeUndefined();
  });

  it("replies inside a thread with In-Reply-To, References and the thread's subject", async () => {
    const [lunch] = (await run("gmail_search_messages", { query: "from:sam subject:lunch" })).messages;
    const reply = await run("gmail_send_message", {
      to: ["sam@example.com"],
      subject: "lunch",
      body: "Thursday at noon works. See you at Menya Hoshi!",
      thread_id: lunch.thread_id,
    });
    expect(reply.thread_id).toBe(lunch.thread_id);
    const view = emulator.inspect("alice");
    const original = view.messages.find((m) => m.id === lunch.id);
    const stored = view.messages.find((m) => m.id === reply.id);
    expect(stored?.headers.subject).toBe("Re: Lunch on Thursday?");
    expect(stored?.headers["in-reply-to"]).toBe(original?.headers["message-id"]);
    expect(stored?.headers.references).toContain(original?.headers["message-id"]);

    const error = await failure(
      run("gmail_send_message", {
        to: ["sam@example.com"],
        subject: "x",
        body: "y",
        thread_id: "18c0ffee00000001",
      }),
    );
    expect((error as { details: { status: number } }).details.status).toBe(404);
  });

  it("saves a draft without sending it", async () => {
    const sentBefore = emulator.inspect("alice").messages.filter((m) => m.labelIds.includes("SENT")).length;
    const draft = await run("gmail_create_draft", {
      to: ["dana@acme-corp.com"],
      subject: "Call about SLA credits",
      body: "Hi Dana, does 10am tomorrow work for the SLA call?",
    });
    expect(draft.draft_id).toMatch(/^r\d+$/);
    expect(draft.message_id).toMatch(/^[0-9a-f]{16}$/);
    const view = emulator.inspect("alice");
    expect(view.drafts).toContainEqual({ id: draft.draft_id, messageId: draft.message_id });
    expect(view.messages.filter((m) => m.labelIds.includes("SENT")).length).toBe(sentBefore);
    const read = await run("gmail_get_message", { message_id: draft.message_id });
    expect(read).toMatchObject({
      labels: ["DRAFT"],
      to: "dana@acme-corp.com",
      subject: "Call about SLA credits",
    });
  });

  it("keeps each user's mailbox separate", async () => {
    const subject = `Alice only ${Date.now()}`;
    await run("gmail_send_message", { to: ["sam@example.com"], subject, body: "private" }, ALICE);
    const alice = await run("gmail_search_messages", { query: `subject:"${subject}"` }, ALICE);
    const bob = await run("gmail_search_messages", { query: `subject:"${subject}"` }, BOB);
    expect(alice.messages).toHaveLength(1);
    expect(bob).toEqual({ messages: [], total: 0 });
    expect(emulator.inspect("bob").messages.some((m) => m.headers.subject === subject)).toBe(false);
    // Ids of one mailbox are unknown in another.
    const error = await failure(run("gmail_get_message", { message_id: alice.messages[0].id }, BOB));
    expect((error as { details: { status: number } }).details.status).toBe(404);
  });
});

describe("gmail connector: failures", () => {
  it("maps an unknown, expired or other-connection token to PROVIDER_TOKEN_REJECTED", async () => {
    for (const token of ["ya29.never-issued-token", EXPIRED, CALENDAR]) {
      const error = await failure(run("gmail_search_messages", {}, token));
      expect(isDelegateError(error, "PROVIDER_TOKEN_REJECTED")).toBe(true);
      expect((error as Error).message).not.toContain(token);
      expect(JSON.stringify(error)).not.toContain(token);
    }
  });

  it("names the missing scope and changes nothing", async () => {
    const mail = { to: ["sam@example.com"], subject: "s", body: "b" };
    const cases: [string, string, string, unknown, string][] = [
      ["gmail_send_message", READ_ONLY, "carol", mail, GMAIL_SCOPES.send],
      ["gmail_create_draft", NO_COMPOSE, "dave", mail, GMAIL_SCOPES.compose],
      ["gmail_search_messages", NO_READ, "erin", { query: "is:unread" }, GMAIL_SCOPES.readonly],
    ];
    for (const [name, token, identifier, input, scope] of cases) {
      const before = emulator.inspect(identifier).messages.length;
      const error = await failure(run(name, input, token));
      expect(isDelegateError(error, "PROVIDER_ERROR"), name).toBe(true);
      expect((error as Error).message).toContain(`scope "${scope}"`);
      expect((error as { details: { scope?: string } }).details.scope).toBe(scope);
      expect(emulator.inspect(identifier).messages.length).toBe(before);
    }
  });

  it("retries a 429 after Retry-After and then succeeds", async () => {
    const start = server.requests.length;
    server.failNext(MESSAGES_PATH, 1, {
      ...googleError(429, "Too many concurrent requests for user.", "rateLimitExceeded"),
      headers: { "retry-after": "0" },
    });
    const result = await run("gmail_search_messages", { query: "from:sam", max_results: 1 });
    expect(result.messages).toHaveLength(1);
    const statuses = server.requests.slice(start).map((request) => request.status);
    expect(statuses.slice(0, 2)).toEqual([429, 200]);
  });

  it("gives up after repeated 5xx answers with a provider error", async () => {
    const start = server.requests.length;
    server.failNext(
      MESSAGES_PATH,
      3,
      googleError(503, "The service is currently unavailable.", "backendError"),
    );
    const error = await failure(run("gmail_search_messages", {}, ALICE, client(ALICE, 2)));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as Error).message).toMatch(/Gmail is unavailable right now/);
    expect(server.requests.slice(start).map((request) => request.status)).toEqual([503, 503, 503]);
  });
});

describe("gmail emulator: wire shapes", () => {
  const get = async (path: string, token = ALICE) => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  it("omits `messages` for an empty result and pages with nextPageToken", async () => {
    const empty = await get(`${MESSAGES_PATH}?q=${encodeURIComponent("from:nobody@nowhere.test")}`);
    expect(empty.body).toEqual({ resultSizeEstimate: 0 });

    const page1 = await get(`${MESSAGES_PATH}?maxResults=5`);
    const page2 = await get(`${MESSAGES_PATH}?maxResults=5&pageToken=${page1.body.nextPageToken}`);
    const ids = (page: { body: Record<string, unknown> }) =>
      (page.body.messages as { id: string }[]).map((m) => m.id);
    expect(ids(page1)).toHaveLength(5);
    expect(ids(page2)).toHaveLength(5);
    expect(ids(page1).some((id) => ids(page2).includes(id))).toBe(false);
  });

  it("returns only the requested metadata headers and base64url bodies in full format", async () => {
    const [first] = (await get(`${MESSAGES_PATH}?q=from:dana&maxResults=1`)).body.messages as {
      id: string;
    }[];
    const metadata = await get(
      `${MESSAGES_PATH}/${first?.id}?format=metadata&metadataHeaders=From&metadataHeaders=subject`,
    );
    const payload = metadata.body.payload as { headers: { name: string }[]; parts?: unknown };
    expect(payload.headers.map((h) => h.name).sort()).toEqual(["From", "Subject"]);
    expect(payload.parts).toBeUndefined();
    expect(metadata.body.internalDate).toMatch(/^\d{13}$/);

    const full = await get(`${MESSAGES_PATH}/${first?.id}?format=full`);
    const root = full.body.payload as {
      mimeType: string;
      parts: { mimeType: string; parts?: { body: { data: string } }[] }[];
    };
    expect(root.mimeType).toBe("multipart/mixed");
    expect(root.parts.map((p) => p.mimeType)).toEqual(["multipart/alternative", "application/pdf"]);
    const plain = root.parts[0]?.parts?.[0]?.body.data ?? "";
    expect(plain).not.toMatch(/[+/=]/);
    expect(Buffer.from(plain, "base64url").toString("utf8")).toContain("Legal agreed");
  });

  it("answers Google-shaped 401 and 403 errors", async () => {
    const unauthorized = await get(MESSAGES_PATH, "ya29.never-issued-token");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });

    const forbidden = await get(MESSAGES_PATH, NO_READ);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toBe(
      `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${GMAIL_SCOPES.readonly}"`,
    );
    expect(forbidden.body).toMatchObject({ error: { code: 403, status: "PERMISSION_DENIED" } });

    const badId = await get(`${MESSAGES_PATH}/not-an-id`);
    expect(badId.status).toBe(400);
  });
});
