import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { googleCalendarConnector } from "../../../src/connectors/google-calendar/google-calendar-connector.js";
import { ProviderClient, type RetryPolicy } from "../../../src/connectors/provider-client.js";
import { isDelegateError } from "../../../src/errors.js";
import {
  createGoogleCalendarEmulator,
  type GoogleCalendarEmulator,
} from "../../../src/sandbox/providers/google-calendar/google-calendar-emulator.js";
import { googleError } from "../../../src/sandbox/providers/provider-emulator.js";
import { type ProviderServer, startProviderServer } from "../../../src/sandbox/providers/provider-server.js";
import type { TokenGrant, TokenVerifier } from "../../../src/sandbox/token-grants.js";

const TZ = "America/New_York";
// Wednesday 2025-06-11, 11:00 in New York; "tomorrow" is Thursday 2025-06-12.
const NOW = new Date("2025-06-11T15:00:00Z");
const SCOPE = "https://www.googleapis.com/auth/calendar";
const EVENTS = "/calendar/v3/calendars/primary/events";
const NO_RETRY: RetryPolicy = { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 };
const FAST_RETRY: RetryPolicy = { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 50 };

const ALICE = "gcal-token-alice-7f3a91";
const BOB = "gcal-token-bob-22c0de";
const READONLY = "gcal-token-readonly-5e5e5e";
const GMAIL_ONLY = "gmail-token-alice-0b0b0b";

const grant = (identifier: string, scopes: string[], connection = "googlecalendar"): TokenGrant => ({
  identifier,
  connection,
  scopes,
  expiresAt: new Date(Date.now() + 3_600_000),
});

/** A real in-memory verifier: the tokens the Scalekit emulator would have issued. */
class MapTokenVerifier implements TokenVerifier {
  readonly #grants = new Map<string, TokenGrant>([
    [ALICE, grant("alice", [SCOPE])],
    [BOB, grant("bob", [SCOPE])],
    [READONLY, grant("carol", ["https://www.googleapis.com/auth/calendar.readonly"])],
    [GMAIL_ONLY, grant("alice", ["https://www.googleapis.com/auth/gmail.readonly"], "gmail")],
  ]);
  verify(token: string): TokenGrant | undefined {
    return this.#grants.get(token);
  }
}

let emulator: GoogleCalendarEmulator;
let server: ProviderServer;

beforeEach(async () => {
  emulator = createGoogleCalendarEmulator({ now: () => NOW, timeZone: TZ });
  server = await startProviderServer({ tokens: new MapTokenVerifier(), emulators: [emulator] });
});

afterEach(async () => {
  await server.close();
});

function tool(name: string) {
  const found = googleCalendarConnector.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

// biome-ignore lint/suspicious/noExplicitAny: tool results are inspected structurally
async function call(name: string, input: unknown, token = ALICE, retry = NO_RETRY): Promise<any> {
  const spec = tool(name);
  const http = new ProviderClient({
    connector: "google-calendar",
    baseUrl: server.url,
    accessToken: token,
    retry,
  });
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

interface Listed {
  id: string;
  title: string;
  start: string;
  end: string;
  all_day?: boolean;
  attendees?: string[];
  location?: string;
  description?: string;
  truncated?: boolean;
  meet_link?: string;
  html_link?: string;
}

describe("google_calendar_list_events", () => {
  it("lists tomorrow's seeded events in order, in the user's zone", async () => {
    const result = await call("google_calendar_list_events", { time_min: "2025-06-12" });
    expect(result.time_zone).toBe(TZ);
    expect(result.from).toBe("2025-06-12T00:00:00-04:00");
    expect(result.to).toBe("2025-06-13T00:00:00-04:00");
    const events = result.events as Listed[];
    expect(events.map((event) => [event.title, event.start, event.end])).toEqual([
      ["Standup", "2025-06-12T09:30:00-04:00", "2025-06-12T09:45:00-04:00"],
      ["1:1 with Dana", "2025-06-12T11:00:00-04:00", "2025-06-12T11:30:00-04:00"],
      ["Lunch with Ana", "2025-06-12T12:30:00-04:00", "2025-06-12T13:30:00-04:00"],
      ["Project Atlas check-in", "2025-06-12T15:00:00-04:00", "2025-06-12T15:45:00-04:00"],
    ]);
    const lunch = events[2];
    expect(lunch?.location).toContain("Tartine");
    expect(lunch?.attendees).toContain("ana@example.com");
    expect(events[0]?.id).toMatch(/^[a-v0-9]+_20250612T133000Z$/);
    expect(events[0]?.meet_link).toMatch(/^https:\/\/meet\.google\.com\//);
    expect(events[1]?.description).toContain("https://meet.google.com/");
    expect(lunch?.html_link).toMatch(/^https:\/\/www\.google\.com\/calendar\/event\?eid=/);
  });

  it("defaults to now through seven days, with the all-day holiday outside it", async () => {
    const result = await call("google_calendar_list_events", {});
    const events = result.events as Listed[];
    const titles = events.map((event) => event.title);
    expect(result.from).toBe("2025-06-11T11:00:00-04:00");
    expect(titles).toContain("Design review: onboarding flow"); // today 15:00, still ahead
    expect(titles).not.toContain("Quarterly planning"); // yesterday
    expect(titles).not.toContain("Coffee with Priya");
    expect(titles).not.toContain("Company holiday"); // eight days ahead
    const starts = events.map((event) => Date.parse(event.start));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
  });

  it("shows all-day events as inclusive dates and truncates long descriptions", async () => {
    const holiday = await call("google_calendar_list_events", { time_min: "2025-06-19" });
    expect(holiday.events).toEqual([
      expect.objectContaining({
        title: "Company holiday",
        start: "2025-06-19",
        end: "2025-06-19",
        all_day: true,
      }),
    ]);
    const past = await call("google_calendar_list_events", { time_min: "2025-06-10", query: "planning" });
    const planning = (past.events as Listed[])[0];
    expect(planning?.title).toBe("Quarterly planning");
    expect(planning?.truncated).toBe(true);
    expect(planning?.description?.length).toBeLessThanOrEqual(301);
  });

  it("filters by free text and caps the number of results", async () => {
    const dana = await call("google_calendar_list_events", {
      time_min: "2025-06-08",
      time_max: "2025-06-21",
      query: "dana",
    });
    expect(
      (dana.events as Listed[]).every((event) => JSON.stringify(event).toLowerCase().includes("dana")),
    ).toBe(true);
    expect((dana.events as Listed[]).map((event) => event.title)).toContain("1:1 with Dana");
    const capped = await call("google_calendar_list_events", {
      time_min: "2025-06-08",
      time_max: "2025-06-22",
      max_results: 3,
    });
    expect(capped.events).toHaveLength(3);
    expect(capped.more).toBe(true);
  });

  it("rejects a range whose end is before its start as the caller's mistake", async () => {
    const error = await failure(
      call("google_calendar_list_events", { time_min: "2025-06-12T10:00", time_max: "2025-06-12T09:00" }),
    );
    expect(isDelegateError(error, "TOOL_FAILED")).toBe(true);
    expect(() => tool("google_calendar_list_events").schema.parse({ time_min: "next tuesday" })).toThrow();
  });
});

describe("google_calendar_create_event", () => {
  it("creates an event from a local time and a default 30-minute length, visible afterwards", async () => {
    const created = await call("google_calendar_create_event", {
      title: "Lunch with Sam",
      start: "2025-06-13T12:00",
      attendees: ["sam@example.com"],
      location: "Zuni Café",
    });
    expect(created).toMatchObject({
      title: "Lunch with Sam",
      start: "2025-06-13T12:00:00-04:00",
      end: "2025-06-13T12:30:00-04:00",
      attendees: ["sam@example.com"],
      location: "Zuni Café",
    });
    const stored = emulator.inspect("alice").events.find((event) => event.id === created.id);
    expect(stored).toMatchObject({ start: { dateTime: "2025-06-13T12:00:00-04:00", timeZone: TZ } });
    const listed = await call("google_calendar_list_events", { time_min: "2025-06-13" });
    expect((listed.events as Listed[]).map((event) => event.id)).toContain(created.id);
    expect(
      server.requests.some(
        (request) => request.method === "POST" && request.path.includes("sendUpdates=all"),
      ),
    ).toBe(true);
  });

  it("creates all-day events from bare dates and honours explicit offsets", async () => {
    const offsite = await call("google_calendar_create_event", {
      title: "Offsite",
      start: "2025-06-16",
      end: "2025-06-17",
    });
    expect(offsite).toMatchObject({ start: "2025-06-16", end: "2025-06-17", all_day: true });
    expect(emulator.inspect("alice").events.find((event) => event.id === offsite.id)).toMatchObject({
      start: { date: "2025-06-16" },
      end: { date: "2025-06-18" },
    });
    const call_ = await call("google_calendar_create_event", {
      title: "Call with Berlin",
      start: "2025-06-13T16:00:00+02:00",
      duration_minutes: 45,
    });
    expect(call_).toMatchObject({ start: "2025-06-13T10:00:00-04:00", end: "2025-06-13T10:45:00-04:00" });
  });

  it("refuses both end and duration, and an end before the start", async () => {
    expect(() =>
      tool("google_calendar_create_event").schema.parse({
        title: "x",
        start: "2025-06-13T10:00",
        end: "2025-06-13T11:00",
        duration_minutes: 30,
      }),
    ).toThrow(/either end or duration_minutes/);
    const error = await failure(
      call("google_calendar_create_event", {
        title: "x",
        start: "2025-06-13T10:00",
        end: "2025-06-13T09:00",
      }),
    );
    expect(isDelegateError(error, "TOOL_FAILED")).toBe(true);
    expect(emulator.inspect("alice").events.some((event) => event.summary === "x")).toBe(false);
  });
});

describe("google_calendar_update_event and google_calendar_delete_event", () => {
  it("moves an event keeping its length and changes its title and guests", async () => {
    const tomorrow = await call("google_calendar_list_events", { time_min: "2025-06-12", query: "Dana" });
    const oneOnOne = (tomorrow.events as Listed[]).find((event) => event.title === "1:1 with Dana");
    expect(oneOnOne).toBeDefined();
    const updated = await call("google_calendar_update_event", {
      event_id: oneOnOne?.id,
      start: "2025-06-12T16:00",
      title: "1:1 with Dana (moved)",
      attendees: ["dana@example.com", "lee@example.com"],
    });
    expect(updated).toMatchObject({
      id: oneOnOne?.id,
      title: "1:1 with Dana (moved)",
      start: "2025-06-12T16:00:00-04:00",
      end: "2025-06-12T16:30:00-04:00",
      attendees: ["dana@example.com", "lee@example.com"],
    });
    const stored = emulator.inspect("alice").events.find((event) => event.id === oneOnOne?.id) as {
      attendees: { email: string; responseStatus: string }[];
    };
    // Dana had accepted; keeping her on the list must keep her answer.
    expect(stored.attendees.find((attendee) => attendee.email === "dana@example.com")?.responseStatus).toBe(
      "accepted",
    );
  });

  it("changes only the end of a timed event and clears a location", async () => {
    const lunch = (await call("google_calendar_list_events", { time_min: "2025-06-12", query: "Lunch" }))
      .events[0] as Listed;
    const updated = await call("google_calendar_update_event", {
      event_id: lunch.id,
      end: "2025-06-12T14:00",
      location: "",
    });
    expect(updated.start).toBe("2025-06-12T12:30:00-04:00");
    expect(updated.end).toBe("2025-06-12T14:00:00-04:00");
    expect(updated.location).toBeUndefined();
  });

  it("deletes an event, after which it is gone and cannot be changed", async () => {
    const created = await call("google_calendar_create_event", { title: "Temp", start: "2025-06-13T08:00" });
    expect(await call("google_calendar_delete_event", { event_id: created.id })).toEqual({
      deleted: true,
      event_id: created.id,
    });
    expect(emulator.inspect("alice").events.some((event) => event.id === created.id)).toBe(false);
    expect(emulator.inspect("alice").deletedIds).toContain(created.id);
    const error = await failure(
      call("google_calendar_update_event", { event_id: created.id, title: "again" }),
    );
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as Error).message).toMatch(/not found/);
    const again = await failure(call("google_calendar_delete_event", { event_id: created.id }));
    expect(isDelegateError(again, "PROVIDER_ERROR")).toBe(true);
  });

  it("answers 404 for an unknown id as PROVIDER_ERROR", async () => {
    const error = await failure(
      call("google_calendar_update_event", { event_id: "doesnotexist123", start: "2025-06-12T10:00" }),
    );
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as { details: { status: number } }).details.status).toBe(404);
  });
});

describe("google_calendar_find_free_time", () => {
  it("finds tomorrow afternoon's gaps inside working hours", async () => {
    const result = await call("google_calendar_find_free_time", {
      time_min: "2025-06-12T12:00",
      time_max: "2025-06-12T20:00",
      duration_minutes: 30,
    });
    expect(result.time_zone).toBe(TZ);
    expect(result.slots).toEqual([
      { start: "2025-06-12T12:00:00-04:00", end: "2025-06-12T12:30:00-04:00" },
      { start: "2025-06-12T13:30:00-04:00", end: "2025-06-12T15:00:00-04:00" },
      { start: "2025-06-12T15:45:00-04:00", end: "2025-06-12T18:00:00-04:00" },
    ]);
  });

  it("skips short gaps, past time and weekends; any time when working hours are off", async () => {
    const whole = await call("google_calendar_find_free_time", {
      time_min: "2025-06-11",
      time_max: "2025-06-15",
      duration_minutes: 60,
    });
    const starts = (whole.slots as { start: string }[]).map((slot) => slot.start);
    expect(starts[0]).toBe("2025-06-11T11:00:00-04:00"); // now, not the morning already gone
    expect(starts).not.toContain("2025-06-12T09:00:00-04:00"); // 30-minute gap only
    expect(starts.some((start) => start.startsWith("2025-06-14"))).toBe(false); // Saturday
    const evening = await call("google_calendar_find_free_time", {
      time_min: "2025-06-14T19:00",
      time_max: "2025-06-14T22:00",
      working_hours_only: false,
    });
    expect(evening.slots).toEqual([{ start: "2025-06-14T19:00:00-04:00", end: "2025-06-14T22:00:00-04:00" }]);
  });

  it("counts an event created through the tools as busy", async () => {
    await call("google_calendar_create_event", {
      title: "Focus",
      start: "2025-06-12T13:30",
      end: "2025-06-12T15:00",
    });
    const result = await call("google_calendar_find_free_time", {
      time_min: "2025-06-12T12:00",
      time_max: "2025-06-12T18:00",
    });
    expect(result.slots).toEqual([
      { start: "2025-06-12T12:00:00-04:00", end: "2025-06-12T12:30:00-04:00" },
      { start: "2025-06-12T15:45:00-04:00", end: "2025-06-12T18:00:00-04:00" },
    ]);
  });
});

describe("isolation and failures", () => {
  it("keeps each user's calendar separate", async () => {
    const created = await call("google_calendar_create_event", {
      title: "Alice only",
      start: "2025-06-13T09:00",
    });
    const bobs = await call("google_calendar_list_events", { time_min: "2025-06-13" }, BOB);
    expect((bobs.events as Listed[]).some((event) => event.title === "Alice only")).toBe(false);
    const error = await failure(call("google_calendar_delete_event", { event_id: created.id }, BOB));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect(emulator.inspect("alice").events.some((event) => event.id === created.id)).toBe(true);
    // Seeded ids differ per user, as they do per calendar in Google.
    expect(emulator.inspect("bob").events[0]?.id).not.toBe(emulator.inspect("alice").events[0]?.id);
  });

  it("maps an unknown token, or another connection's token, to PROVIDER_TOKEN_REJECTED", async () => {
    for (const token of ["not-a-real-token-x9", GMAIL_ONLY]) {
      const error = await failure(call("google_calendar_list_events", {}, token));
      expect(isDelegateError(error, "PROVIDER_TOKEN_REJECTED")).toBe(true);
      expect((error as Error).message).not.toContain(token);
    }
  });

  it("names the missing scope when the token lacks it", async () => {
    const error = await failure(call("google_calendar_list_events", {}, READONLY));
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as Error).message).toContain(SCOPE);
    expect((error as { details: { scope?: string } }).details.scope).toBe(SCOPE);
  });

  it("retries a 429 after Retry-After and then succeeds", async () => {
    server.failNext(EVENTS, 1, {
      ...googleError(429, "Rate Limit Exceeded", "rateLimitExceeded"),
      headers: { "retry-after": "0" },
    });
    const result = await call("google_calendar_list_events", { time_min: "2025-06-12" }, ALICE, FAST_RETRY);
    expect(result.events.length).toBeGreaterThan(0);
    expect(server.requests.map((request) => request.status)).toEqual([429, 200]);
  });

  it("gives up on repeated 5xx with PROVIDER_ERROR", async () => {
    server.failNext("/calendar/v3/freeBusy", 5, googleError(503, "Backend Error", "backendError"));
    const error = await failure(
      call(
        "google_calendar_find_free_time",
        { time_min: "2025-06-12", time_max: "2025-06-13" },
        ALICE,
        FAST_RETRY,
      ),
    );
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as Error).message).toMatch(/unavailable/);
    expect(server.requests).toHaveLength(3);
  });

  it("never puts the access token in a result", async () => {
    const results = [
      await call("google_calendar_list_events", {}),
      await call("google_calendar_create_event", { title: "T", start: "2025-06-13T07:00" }),
      await call("google_calendar_find_free_time", { time_min: "2025-06-12", time_max: "2025-06-13" }),
    ];
    expect(JSON.stringify(results)).not.toContain(ALICE);
  });
});

describe("emulator wire behaviour", () => {
  const get = (path: string, token = ALICE, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });

  it("requires offsets on timeMin and singleEvents for startTime ordering, like Google", async () => {
    const noOffset = await get(`${EVENTS}?timeMin=2025-06-12T00:00:00`);
    expect(noOffset.status).toBe(400);
    expect(await noOffset.json()).toMatchObject({ error: { code: 400, errors: [{ reason: "badRequest" }] } });
    const ordering = await get(`${EVENTS}?orderBy=startTime`);
    expect(ordering.status).toBe(400);
  });

  it("answers 401 and 403 with Google's bodies and www-authenticate headers", async () => {
    const unauthorized = await get(EVENTS, "nope");
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ error: { status: "UNAUTHENTICATED" } });
    const forbidden = await get(EVENTS, READONLY);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toContain(
      `error="insufficient_scope", scope="${SCOPE}"`,
    );
  });

  it("rejects an empty time range and answers 410 for a second delete", async () => {
    const empty = await get(EVENTS, ALICE, {
      method: "POST",
      body: JSON.stringify({
        summary: "x",
        start: { dateTime: "2025-06-12T10:00:00Z" },
        end: { dateTime: "2025-06-12T10:00:00Z" },
      }),
    });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { errors: [{ reason: "timeRangeEmpty" }] } });
    const id = emulator.inspect("alice").events[0]?.id as string;
    expect((await get(`${EVENTS}/${id}`, ALICE, { method: "DELETE" })).status).toBe(204);
    expect((await get(`${EVENTS}/${id}`, ALICE, { method: "DELETE" })).status).toBe(410);
  });
});
