import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outlookConnector } from "../../../src/connectors/outlook/outlook-connector.js";
import { ProviderClient, type RetryPolicy } from "../../../src/connectors/provider-client.js";
import { isDelegateError } from "../../../src/errors.js";
import {
  createOutlookEmulator,
  type OutlookEmulator,
} from "../../../src/sandbox/providers/outlook/outlook-emulator.js";
import { type ProviderServer, startProviderServer } from "../../../src/sandbox/providers/provider-server.js";
import type { TokenGrant, TokenVerifier } from "../../../src/sandbox/token-grants.js";

const TZ = "America/New_York";
// Wednesday 2025-06-11, 11:00 in New York; "tomorrow" is Thursday 2025-06-12.
const NOW = new Date("2025-06-11T15:00:00Z");
const ALL_SCOPES = ["Mail.Read", "Mail.Send", "Calendars.ReadWrite"];
const NO_RETRY: RetryPolicy = { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 };
const FAST_RETRY: RetryPolicy = { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 50 };

const ALICE = "graph-token-alice-9d8c7b";
const BOB = "graph-token-bob-1a2b3c";
const READ_ONLY = "graph-token-reader-4f4f4f";
const CALENDAR_ONLY = "graph-token-calendar-6e6e6e";
const SLACK_TOKEN = "xoxp-slack-alice-000111";

const grant = (identifier: string, scopes: string[], connection = "outlook"): TokenGrant => ({
  identifier,
  connection,
  scopes,
  expiresAt: new Date(Date.now() + 3_600_000),
});

/** A real in-memory verifier: the tokens the Scalekit emulator would have issued. */
class MapTokenVerifier implements TokenVerifier {
  readonly #grants = new Map<string, TokenGrant>([
    [ALICE, grant("acme/alice.wong", ALL_SCOPES)],
    [BOB, grant("acme/bob", ALL_SCOPES)],
    [READ_ONLY, grant("carol", ["Mail.Read"])],
    [CALENDAR_ONLY, grant("dave", ["Calendars.ReadWrite"])],
    [SLACK_TOKEN, grant("acme/alice.wong", ["chat:write"], "slack")],
  ]);
  verify(token: string): TokenGrant | undefined {
    return this.#grants.get(token);
  }
}

let emulator: OutlookEmulator;
let server: ProviderServer;

async function start(pageSizeLimit?: number) {
  emulator = createOutlookEmulator({
    now: () => NOW,
    timeZone: TZ,
    ...(pageSizeLimit ? { pageSizeLimit } : {}),
  });
  server = await startProviderServer({ tokens: new MapTokenVerifier(), emulators: [emulator] });
}

beforeEach(async () => {
  await start();
});

afterEach(async () => {
  await server.close();
});

function tool(name: string) {
  const found = outlookConnector.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

// biome-ignore lint/suspicious/noExplicitAny: tool results are inspected structurally
async function call(name: string, input: unknown, token = ALICE, retry = NO_RETRY): Promise<any> {
  const spec = tool(name);
  const http = new ProviderClient({ connector: "outlook", baseUrl: server.url, accessToken: token, retry });
  return spec.run(spec.schema.parse(input), { http, timeZone: TZ, now: NOW });
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

const lastQuery = () => decodeURIComponent((server.requests.at(-1)?.path ?? "").replace(/\+/g, " "));

interface Message {
  id: string;
  conversation_id?: string;
  from?: string;
  to: string[];
  subject: string;
  received?: string;
  preview?: string;
  unread: boolean;
}

interface Event {
  id: string;
  subject: string;
  start: string;
  end: string;
  all_day?: boolean;
  location?: string;
  attendees?: string[];
  online_meeting_url?: string;
  organizer?: string;
}

describe("outlook_search_messages", () => {
  it("lists the latest mail newest first, in the user's zone", async () => {
    const result = await call("outlook_search_messages", {});
    const messages = result.messages as Message[];
    expect(messages).toHaveLength(10);
    expect(result.more).toBe(true);
    expect(messages[0]).toMatchObject({
      from: "Morgan Lee <morgan@contoso.com>",
      to: ["Alice Wong <alice.wong@contoso.com>"],
      subject: "Q3 roadmap review: slides for Thursday",
      received: "2025-06-11T10:15:00-04:00",
      unread: true,
    });
    expect(messages[0]?.preview).toContain("Wednesday noon");
    const received = messages.map((message) => Date.parse(message.received ?? ""));
    expect([...received].sort((a, b) => b - a)).toEqual(received);
  });

  it("filters unread mail with $filter and an exact sender address", async () => {
    const unread = await call("outlook_search_messages", { unread_only: true, max_results: 50 });
    expect((unread.messages as Message[]).map((message) => message.subject)).toEqual([
      "Q3 roadmap review: slides for Thursday",
      "Action required: your password expires in 3 days",
      "Northwind outage: customer escalation",
      "Fabrikam renewal quote #FAB-2291",
      "Adatum security questionnaire: due next week",
    ]);
    expect(lastQuery()).toContain("$filter=receivedDateTime ge 1900-01-01T00:00:00Z and isRead eq false");
    const fromMorgan = await call("outlook_search_messages", { from: "morgan@contoso.com" });
    expect((fromMorgan.messages as Message[]).map((message) => message.subject)).toEqual([
      "Q3 roadmap review: slides for Thursday",
      "Hiring plan for H2",
    ]);
  });

  it("searches free text and sender names with $search, applying unread locally", async () => {
    const northwind = await call("outlook_search_messages", { query: "Northwind" });
    const subjects = (northwind.messages as Message[]).map((message) => message.subject);
    expect(subjects).toContain("Northwind outage: customer escalation");
    expect(subjects).toContain("Expense report approval needed"); // body mentions Northwind
    expect(lastQuery()).toContain('$search="Northwind"');
    expect(lastQuery()).not.toContain("$orderby");
    const unread = await call("outlook_search_messages", { query: "Northwind", unread_only: true });
    expect((unread.messages as Message[]).map((message) => message.subject)).toEqual([
      "Northwind outage: customer escalation",
    ]);
    const byName = await call("outlook_search_messages", { from: "Alex" });
    expect((byName.messages as Message[]).every((message) => message.from?.startsWith("Alex Chen"))).toBe(
      true,
    );
    expect(byName.messages).toHaveLength(2);
    expect(lastQuery()).toContain('$search="from:Alex"');
    // Alex's reply quotes "From: Morgan Lee" in its body; only Morgan's own mail may match.
    const byFullName = await call("outlook_search_messages", { from: "Morgan Lee" });
    expect((byFullName.messages as Message[]).map((message) => message.from)).toEqual([
      "Morgan Lee <morgan@contoso.com>",
      "Morgan Lee <morgan@contoso.com>",
    ]);
  });

  it("keeps a conversation's messages under one conversation_id", async () => {
    const hiring = await call("outlook_search_messages", { query: "subject:hiring" });
    const ids = new Set((hiring.messages as Message[]).map((message) => message.conversation_id));
    expect(hiring.messages).toHaveLength(2);
    expect(ids.size).toBe(1);
  });
});

describe("outlook_get_message", () => {
  it("returns headers and the HTML body as plain text", async () => {
    const list = await call("outlook_search_messages", { query: "Fabrikam renewal" });
    const quote = (list.messages as Message[]).find((message) =>
      message.subject.startsWith("Fabrikam renewal"),
    );
    const message = await call("outlook_get_message", { message_id: quote?.id });
    expect(message).toMatchObject({
      id: quote?.id,
      from: "Priya Nair <priya.nair@fabrikam.com>",
      subject: "Fabrikam renewal quote #FAB-2291",
      unread: true,
      has_attachments: true,
    });
    expect(message.body).toContain("renewal quote for the Fabrikam Analytics platform");
    expect(message.body).toContain("$84,000");
    expect(message.body).not.toMatch(/<[a-z]|border-collapse/);
    expect(message.truncated).toBeUndefined();
    const escalation = (await call("outlook_search_messages", { query: "outage" })).messages[0] as Message;
    const detailed = await call("outlook_get_message", { message_id: escalation.id });
    expect(detailed.cc).toEqual(["Morgan Lee <morgan@contoso.com>"]);
    expect(detailed.importance).toBe("high");
    expect(detailed.body).toContain("• Impact: ~1,200 orders delayed");
  });

  it("answers an unknown id with PROVIDER_ERROR 404", async () => {
    const error = await failure(call("outlook_get_message", { message_id: "AAMkAGI2doesnotexist/=" }));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as { details: { status: number } }).details.status).toBe(404);
  });
});

describe("outlook_send_message", () => {
  it("sends mail that then appears in Sent Items and in search", async () => {
    const result = await call("outlook_send_message", {
      to: ["morgan@contoso.com"],
      cc: ["alex.chen@contoso.com"],
      subject: "Roadmap slides",
      body: "Hi Morgan,\nSlides attached by noon.\nAlice",
    });
    expect(result).toMatchObject({ sent: true });
    const sent = emulator.inspect("acme/alice.wong").sent;
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      subject: "Roadmap slides",
      toRecipients: [{ emailAddress: { address: "morgan@contoso.com" } }],
      ccRecipients: [{ emailAddress: { address: "alex.chen@contoso.com" } }],
      body: { contentType: "text", content: "Hi Morgan,\nSlides attached by noon.\nAlice" },
    });
    const found = await call("outlook_search_messages", { query: "Roadmap slides" });
    expect((found.messages as Message[])[0]).toMatchObject({
      subject: "Roadmap slides",
      from: "Alice Wong <alice.wong@contoso.com>",
    });
    expect(server.requests.find((request) => request.path === "/v1.0/me/sendMail")?.status).toBe(202);
  });

  it("rejects a message without recipients before calling Graph", () => {
    expect(() => tool("outlook_send_message").schema.parse({ to: [], subject: "x", body: "y" })).toThrow();
    expect(() =>
      tool("outlook_send_message").schema.parse({ to: ["not an email"], subject: "x", body: "y" }),
    ).toThrow();
  });
});

describe("outlook_list_events", () => {
  it("lists tomorrow's meetings converted from UTC to the user's zone", async () => {
    const result = await call("outlook_list_events", { start: "2025-06-12" });
    expect(result.time_zone).toBe(TZ);
    const events = result.events as Event[];
    expect(events.map((event) => [event.subject, event.start, event.end])).toEqual([
      ["Weekly 1:1 with Morgan", "2025-06-12T10:00:00-04:00", "2025-06-12T10:30:00-04:00"],
      ["Northwind escalation review", "2025-06-12T14:00:00-04:00", "2025-06-12T15:00:00-04:00"],
      ["Laptop refresh pickup", "2025-06-12T16:30:00-04:00", "2025-06-12T16:45:00-04:00"],
    ]);
    expect(events[0]?.online_meeting_url).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    expect(events[0]?.organizer).toBe("Morgan Lee <morgan@contoso.com>");
    expect(events[1]).toMatchObject({
      location: "Conference Room 4B",
      attendees: ["jordan.patel@contoso.com", "morgan@contoso.com"],
    });
    expect(lastQuery()).toContain("startDateTime=2025-06-12T04:00:00Z&endDateTime=2025-06-13T04:00:00Z");
  });

  it("defaults to today through seven days and shows all-day events as dates", async () => {
    const week = await call("outlook_list_events", {});
    const subjects = (week.events as Event[]).map((event) => event.subject);
    expect(week.from).toBe("2025-06-11T00:00:00-04:00");
    expect(subjects[0]).toBe("Vendor call: Fabrikam renewal");
    expect(subjects).not.toContain("Interview: Senior Backend Engineer");
    expect(subjects).not.toContain("Team offsite");
    expect(subjects).toHaveLength(8);
    const offsite = await call("outlook_list_events", { start: "2025-06-20" });
    expect(offsite.events).toEqual([
      expect.objectContaining({
        subject: "Team offsite",
        start: "2025-06-20",
        end: "2025-06-20",
        all_day: true,
      }),
    ]);
  });

  it("follows @odata.nextLink when Graph pages below $top, and reports more", async () => {
    await server.close();
    await start(3);
    const week = await call("outlook_list_events", {
      start: "2025-06-10",
      end: "2025-06-21",
      max_results: 8,
    });
    expect(week.events).toHaveLength(8);
    expect(week.more).toBe(true);
    expect(
      server.requests.filter((request) => request.path.startsWith("/v1.0/me/calendarView")),
    ).toHaveLength(3);
  });
});

describe("outlook_create_event, outlook_update_event, outlook_delete_event", () => {
  it("creates a Teams meeting in the user's zone, visible in the calendar view", async () => {
    const created = await call("outlook_create_event", {
      subject: "Roadmap dry run",
      start: "2025-06-13T09:00",
      duration_minutes: 45,
      attendees: ["morgan@contoso.com"],
      location: "Room 2.14",
      body: "Walk through the three slides.",
      online_meeting: true,
    });
    expect(created).toMatchObject({
      subject: "Roadmap dry run",
      start: "2025-06-13T09:00:00-04:00",
      end: "2025-06-13T09:45:00-04:00",
      location: "Room 2.14",
      attendees: ["morgan@contoso.com"],
      organizer: "Alice Wong <alice.wong@contoso.com>",
    });
    expect(created.online_meeting_url).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    const stored = emulator.inspect("acme/alice.wong").events.find((event) => event.id === created.id);
    expect(stored).toMatchObject({
      originalStartTimeZone: TZ,
      start: { dateTime: "2025-06-13T13:00:00.0000000", timeZone: "UTC" },
    });
    const listed = await call("outlook_list_events", { start: "2025-06-13" });
    expect((listed.events as Event[]).map((event) => event.id)).toContain(created.id);
  });

  it("creates all-day events from bare dates", async () => {
    const created = await call("outlook_create_event", {
      subject: "Out of office",
      start: "2025-06-16",
      end: "2025-06-17",
    });
    expect(created).toMatchObject({ start: "2025-06-16", end: "2025-06-17", all_day: true });
    const stored = emulator.inspect("acme/alice.wong").events.find((event) => event.id === created.id);
    expect(stored).toMatchObject({ isAllDay: true, end: { dateTime: "2025-06-18T00:00:00.0000000" } });
  });

  it("moves an event keeping its length, and changes only the end when asked", async () => {
    const sync = ((await call("outlook_list_events", { start: "2025-06-12" })).events as Event[])[0] as Event;
    const moved = await call("outlook_update_event", {
      event_id: sync.id,
      start: "2025-06-12T11:15",
      subject: "Sync with Morgan",
    });
    expect(moved).toMatchObject({
      id: sync.id,
      subject: "Sync with Morgan",
      start: "2025-06-12T11:15:00-04:00",
      end: "2025-06-12T11:45:00-04:00",
    });
    const longer = await call("outlook_update_event", { event_id: sync.id, end: "2025-06-12T12:00" });
    expect(longer).toMatchObject({ start: "2025-06-12T11:15:00-04:00", end: "2025-06-12T12:00:00-04:00" });
    const withGuests = await call("outlook_update_event", {
      event_id: sync.id,
      attendees: ["morgan@contoso.com", "jordan.patel@contoso.com"],
    });
    expect(withGuests.attendees).toEqual(["morgan@contoso.com", "jordan.patel@contoso.com"]);
    const error = await failure(call("outlook_update_event", { event_id: sync.id, end: "2025-06-12T11:00" }));
    expect(isDelegateError(error, "TOOL_FAILED")).toBe(true);
  });

  it("deletes an event; a second delete is a 404", async () => {
    const laptop = (
      (await call("outlook_list_events", { start: "2025-06-12" })).events as Event[]
    )[2] as Event;
    expect(await call("outlook_delete_event", { event_id: laptop.id })).toEqual({
      deleted: true,
      event_id: laptop.id,
    });
    expect(emulator.inspect("acme/alice.wong").deletedEventIds).toContain(laptop.id);
    const after = await call("outlook_list_events", { start: "2025-06-12" });
    expect((after.events as Event[]).map((event) => event.id)).not.toContain(laptop.id);
    const error = await failure(call("outlook_delete_event", { event_id: laptop.id }));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as Error).message).toMatch(/not found/);
  });
});

describe("isolation and failures", () => {
  it("keeps each user's mailbox and calendar separate", async () => {
    await call("outlook_send_message", { to: ["morgan@contoso.com"], subject: "Alice only", body: "x" });
    const bobs = await call("outlook_search_messages", { query: "Alice only" }, BOB);
    expect(bobs.messages).toEqual([]);
    expect(emulator.inspect("acme/bob").sent).toEqual([]);
    const aliceEvent = (
      (await call("outlook_list_events", { start: "2025-06-12" })).events as Event[]
    )[0] as Event;
    const error = await failure(call("outlook_delete_event", { event_id: aliceEvent.id }, BOB));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect(emulator.inspect("acme/alice.wong").events.some((event) => event.id === aliceEvent.id)).toBe(true);
  });

  it("maps an unknown token, or another connection's token, to PROVIDER_TOKEN_REJECTED", async () => {
    for (const token of ["made-up-token-zz", SLACK_TOKEN]) {
      const error = await failure(call("outlook_search_messages", {}, token));
      expect(isDelegateError(error, "PROVIDER_TOKEN_REJECTED")).toBe(true);
      expect((error as Error).message).not.toContain(token);
    }
  });

  it("names the missing scope for each kind of call", async () => {
    const cases: [string, unknown, string, string][] = [
      ["outlook_send_message", { to: ["a@contoso.com"], subject: "s", body: "b" }, READ_ONLY, "Mail.Send"],
      ["outlook_list_events", {}, READ_ONLY, "Calendars.ReadWrite"],
      ["outlook_search_messages", {}, CALENDAR_ONLY, "Mail.Read"],
    ];
    for (const [name, input, token, scope] of cases) {
      const error = await failure(call(name, input, token));
      expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
      expect((error as Error).message).toContain(`"${scope}"`);
    }
    expect(emulator.inspect("carol").sent).toEqual([]);
  });

  it("retries a 429 after Retry-After and then succeeds", async () => {
    server.failNext("/v1.0/me/messages", 1, {
      status: 429,
      headers: { "retry-after": "0" },
      body: {
        error: { code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." },
      },
    });
    const result = await call("outlook_search_messages", { unread_only: true }, ALICE, FAST_RETRY);
    expect(result.messages.length).toBeGreaterThan(0);
    expect(server.requests.map((request) => request.status)).toEqual([429, 200]);
  });

  it("gives up on repeated 5xx with PROVIDER_ERROR", async () => {
    server.failNext("/v1.0/me/calendarView", 5, {
      status: 503,
      body: { error: { code: "ServiceNotAvailable", message: "Service unavailable." } },
    });
    const error = await failure(call("outlook_list_events", {}, ALICE, FAST_RETRY));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as Error).message).toMatch(/unavailable/);
    expect(server.requests).toHaveLength(3);
  });

  it("never puts the access token in a result", async () => {
    const results = [
      await call("outlook_search_messages", {}),
      await call("outlook_list_events", {}),
      await call("outlook_send_message", { to: ["a@contoso.com"], subject: "s", body: "b" }),
      await call("outlook_create_event", { subject: "T", start: "2025-06-13T07:00" }),
    ];
    expect(JSON.stringify(results)).not.toContain(ALICE);
  });
});

describe("emulator wire behaviour", () => {
  const get = (path: string, token = ALICE) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it("refuses $search with $orderby and an $orderby the $filter does not start with, like Graph", async () => {
    const searchOrder = await get(`/v1.0/me/messages?$search="budget"&$orderby=receivedDateTime desc`);
    expect(searchOrder.status).toBe(400);
    const inefficient = await get(`/v1.0/me/messages?$filter=isRead eq false&$orderby=receivedDateTime desc`);
    expect(inefficient.status).toBe(400);
    expect(await inefficient.json()).toMatchObject({ error: { code: "InefficientFilter" } });
    const window = await get("/v1.0/me/calendarView");
    expect(await window.json()).toMatchObject({ error: { code: "ErrorInvalidParameter" } });
  });

  it("answers 401, 403 and 404 with Graph's error codes", async () => {
    const unauthorized = await get("/v1.0/me/messages", "nope");
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ error: { code: "InvalidAuthenticationToken" } });
    const forbidden = await get("/v1.0/me/messages", CALENDAR_ONLY);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toContain('scope="Mail.Read"');
    expect(await forbidden.json()).toMatchObject({ error: { code: "ErrorAccessDenied" } });
    const missing = await get("/v1.0/me/events/AAMkAGI2missing");
    expect(await missing.json()).toMatchObject({ error: { code: "ErrorItemNotFound" } });
  });

  it("pages with $top and @odata.nextLink", async () => {
    const first = (await (await get("/v1.0/me/messages?$top=5&$select=subject")).json()) as {
      value: Record<string, unknown>[];
      "@odata.nextLink"?: string;
    };
    expect(first.value).toHaveLength(5);
    expect(Object.keys(first.value[0] ?? {}).sort()).toEqual(["@odata.etag", "id", "subject"]);
    const next = new URL(first["@odata.nextLink"] ?? "");
    expect(next.origin).toBe("https://graph.microsoft.com");
    const second = (await (await get(`${next.pathname}${next.search}`)).json()) as { value: unknown[] };
    expect(second.value).toHaveLength(5);
  });
});
