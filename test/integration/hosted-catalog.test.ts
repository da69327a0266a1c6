import { ScalekitClient, ScalekitToolException } from "@scalekit-sdk/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolEffect } from "../../src/sandbox/hosted-catalog/index.js";
import { NOTION_IDS } from "../../src/sandbox/providers/notion/notion-seed.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";

let sandbox: Sandbox;
let client: ScalekitClient;
beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  client = new ScalekitClient(
    sandbox.settings.environmentUrl,
    sandbox.settings.clientId,
    sandbox.settings.clientSecret,
  );
});
afterAll(async () => sandbox.close());

/** Scalekit's names for the read and write operations of each built-in connector, and their effect. */
const CATALOG: Record<string, Record<string, "read" | "write" | "destructive">> = {
  gmail: {
    gmail_fetch_mails: "read",
    gmail_get_message_by_id: "read",
    gmail_send_message: "write",
    gmail_create_draft: "write",
  },
  googlecalendar: {
    googlecalendar_list_events: "read",
    googlecalendar_find_free_slots: "read",
    googlecalendar_create_event: "write",
    googlecalendar_update_event: "destructive",
    googlecalendar_delete_event: "destructive",
  },
  slack: {
    slack_send_message: "write",
    slack_list_channels: "read",
    slack_fetch_conversation_history: "read",
    slack_search_messages: "read",
    slack_list_users: "read",
  },
  notion: {
    notion_page_search: "read",
    notion_page_get: "read",
    notion_page_create: "write",
    notion_page_content_get: "read",
    notion_page_append_blocks: "write",
    notion_database_query: "read",
  },
  outlook: {
    outlook_list_messages: "read",
    outlook_get_message: "read",
    outlook_send_message: "write",
    outlook_search_messages: "read",
    outlook_list_calendar_events: "read",
    outlook_create_calendar_event: "write",
    outlook_update_calendar_event: "destructive",
    outlook_delete_calendar_event: "destructive",
  },
};

async function run(user: string, toolName: string, params: Record<string, unknown> = {}) {
  const result = await client.tools.executeTool({ toolName, identifier: user, params });
  return (result.data ?? {}) as Record<string, unknown>;
}

describe("the sandbox's hosted catalog", () => {
  it("lists every connector's tools under Scalekit's names, with input schemas and annotations", async () => {
    for (const [connector, tools] of Object.entries(CATALOG)) {
      const listed = await client.tools.listTools({ filter: { connector }, pageSize: 100 });
      const byName = new Map(listed.tools.map((tool) => [tool.definition?.name as string, tool]));
      expect([...byName.keys()].sort()).toEqual(Object.keys(tools).sort());
      for (const [name, effect] of Object.entries(tools)) {
        const definition = byName.get(name)?.definition as Record<string, unknown>;
        const schema = definition.input_schema as { type: string; properties: object; required: string[] };
        expect(schema.type).toBe("object");
        for (const field of schema.required) expect(Object.keys(schema.properties)).toContain(field);
        const annotations = definition.annotations as Record<string, unknown>;
        for (const hint of ["read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint"]) {
          expect(typeof annotations[hint], `${name}.${hint}`).toBe("boolean");
        }
        expect(typeof annotations.title).toBe("string");
        expect(toolEffect(annotations), name).toBe(effect);
      }
    }
    const all = await client.tools.listTools({ filter: { summary: true }, pageSize: 100 });
    expect(all.toolNames).toHaveLength(28);
  });

  it("uses Scalekit's parameter names", async () => {
    const { tools } = await client.tools.listTools({ pageSize: 100 });
    const properties = (name: string) => {
      const definition = tools.find((tool) => tool.definition?.name === name)?.definition ?? {};
      const schema = (definition as { input_schema?: { properties?: object } }).input_schema;
      return Object.keys(schema?.properties ?? {});
    };
    expect(properties("gmail_send_message")).toEqual(
      expect.arrayContaining(["to", "subject", "body", "cc", "bcc", "thread_id"]),
    );
    expect(properties("googlecalendar_create_event")).toEqual(
      expect.arrayContaining(["summary", "start_datetime", "event_duration_minutes", "attendees_emails"]),
    );
    expect(properties("outlook_list_messages")).toEqual(expect.arrayContaining(["$filter", "$top", "$skip"]));
    expect(properties("outlook_create_calendar_event")).toEqual(
      expect.arrayContaining([
        "start_datetime",
        "start_timezone",
        "end_datetime",
        "end_timezone",
        "attendees_required",
      ]),
    );
    expect(properties("notion_database_query")).toEqual(
      expect.arrayContaining(["database_id", "filter", "sorts"]),
    );
    expect(properties("slack_fetch_conversation_history")).toEqual(
      expect.arrayContaining(["channel", "oldest", "latest"]),
    );
    // The page an append writes to has the name notion_page_create gives it: the gate reads it
    // as the call's target.
    expect(properties("notion_page_append_blocks")).toEqual(["parent_page_id", "child_blocks", "after"]);
    expect(properties("googlecalendar_find_free_slots")).toEqual(
      expect.arrayContaining(["time_min", "time_max", "duration_minutes", "timezone", "calendar_id"]),
    );
  });

  it("gmail: fetch, get by id, send and draft on the user's mailbox", async () => {
    await sandbox.scalekit.approve("cat-gmail", "gmail");
    const fetched = await run("cat-gmail", "gmail_fetch_mails", { query: "invoice", max_results: 5 });
    const messages = fetched.messages as { id: string; subject: string }[];
    expect(messages).toHaveLength(3);
    const one = await run("cat-gmail", "gmail_get_message_by_id", { message_id: messages[0]!.id });
    expect(one.subject).toBe(messages[0]!.subject);
    expect(String(one.body).length).toBeGreaterThan(20);

    const sent = await run("cat-gmail", "gmail_send_message", {
      to: "dana@example.com",
      subject: "Grüße from the catalog",
      body: "Hello Dana",
    });
    expect(sent.label_ids).toContain("SENT");
    const draft = await run("cat-gmail", "gmail_create_draft", {
      to: "sam@example.com",
      subject: "Draft",
      body: "Later",
    });
    const box = sandbox.emulators.gmail.inspect("cat-gmail");
    const stored = box.messages.find((m) => m.id === sent.id);
    expect(stored?.headers.subject).toBe("Grüße from the catalog");
    expect(stored?.text.trim()).toBe("Hello Dana");
    expect(box.drafts.map((d) => d.id)).toContain(draft.draft_id);
  });

  it("google calendar: list, create, move (keeping the length) and delete", async () => {
    await sandbox.scalekit.approve("cat-cal", "googlecalendar");
    const listed = await run("cat-cal", "googlecalendar_list_events");
    expect(Array.isArray(listed.events)).toBe(true);
    const created = await run("cat-cal", "googlecalendar_create_event", {
      summary: "Catalog sync",
      start_datetime: "2026-12-01T10:00:00",
      timezone: "Europe/Berlin",
      event_duration_minutes: 45,
      attendees_emails: ["sam@example.com"],
    });
    expect(created.start).toMatchObject({ timeZone: "Europe/Berlin" });
    const moved = await run("cat-cal", "googlecalendar_update_event", {
      calendar_id: "primary",
      event_id: created.id,
      start_datetime: "2026-12-01T14:00:00",
      timezone: "Europe/Berlin",
    });
    const span = (event: Record<string, unknown>) => {
      const start = Date.parse((event.start as { dateTime: string }).dateTime);
      return (Date.parse((event.end as { dateTime: string }).dateTime) - start) / 60_000;
    };
    expect(span(moved)).toBe(45);
    expect((moved.start as { dateTime: string }).dateTime).toContain("14:00:00");
    await run("cat-cal", "googlecalendar_delete_event", { event_id: created.id });
    expect(sandbox.emulators.googleCalendar.inspect("cat-cal").deletedIds).toContain(created.id);
    await expect(
      run("cat-cal", "googlecalendar_delete_event", { event_id: created.id }),
    ).rejects.toBeInstanceOf(ScalekitToolException);
  });

  it("slack: channels, history, search, users and a posted message", async () => {
    await sandbox.scalekit.approve("cat-slack", "slack");
    const channels = (await run("cat-slack", "slack_list_channels")).channels as { name: string }[];
    expect(channels.map((c) => c.name)).toContain("team");
    const history = await run("cat-slack", "slack_fetch_conversation_history", {
      channel: "#general",
      limit: 3,
    });
    expect((history.messages as unknown[]).length).toBeGreaterThan(0);
    const users = (await run("cat-slack", "slack_list_users")).members as { real_name: string }[];
    expect(users.map((u) => u.real_name)).toContain("Dana Whitfield");
    await run("cat-slack", "slack_send_message", { channel: "#team", text: "catalog ping" });
    expect(
      sandbox.emulators.slack
        .inspect("cat-slack")
        .messages("#team")
        .map((m) => m.text),
    ).toContain("catalog ping");
    const found = await run("cat-slack", "slack_search_messages", { query: "catalog ping" });
    expect(found.total).toBeGreaterThanOrEqual(1);
  });

  it("notion: search, get, content, database query and a new page", async () => {
    await sandbox.scalekit.approve("cat-notion", "notion");
    const search = (await run("cat-notion", "notion_page_search", { query: "roadmap" })).results as {
      id: string;
    }[];
    expect(search.map((r) => r.id)).toContain(NOTION_IDS.roadmap);
    const page = await run("cat-notion", "notion_page_get", { page_id: NOTION_IDS.roadmap });
    expect(String(page.title).toLowerCase()).toContain("roadmap");
    const content = await run("cat-notion", "notion_page_content_get", { block_id: NOTION_IDS.handbook });
    expect((content.blocks as unknown[]).length).toBeGreaterThan(0);
    const rows = await run("cat-notion", "notion_database_query", {
      database_id: NOTION_IDS.projects,
      page_size: 2,
    });
    expect((rows.results as unknown[]).length).toBeGreaterThan(0);
    const created = await run("cat-notion", "notion_page_create", {
      parent_page_id: NOTION_IDS.handbook,
      properties: { title: { title: [{ text: { content: "Catalog notes" } }] } },
      child_blocks: [
        {
          object: "block",
          type: "paragraph",
          paragraph: { rich_text: [{ type: "text", text: { content: "Hi" } }] },
        },
      ],
    });
    expect(created.title).toBe("Catalog notes");
    expect(sandbox.emulators.notion.inspect("cat-notion").pages.map((p) => p.title)).toContain(
      "Catalog notes",
    );
  });

  it("google calendar: free slots between the busy blocks, in the zone asked for", async () => {
    const user = "cat-free";
    await sandbox.scalekit.approve(user, "googlecalendar");
    // A Tuesday far from the seeded weeks: only these events are on it.
    const day = "2027-03-02";
    const create = (summary: string, time: string, minutes: number, extra: Record<string, unknown> = {}) =>
      run(user, "googlecalendar_create_event", {
        summary,
        start_datetime: `${day}T${time}:00`,
        timezone: "Europe/Berlin",
        event_duration_minutes: minutes,
        ...extra,
      });
    const window = { time_min: `${day}T09:00:00`, time_max: `${day}T17:00:00`, timezone: "Europe/Berlin" };
    const before = await run(user, "googlecalendar_find_free_slots", window);
    expect(before).toMatchObject({
      busy: [],
      free_slots: [{ start: `${day}T09:00:00+01:00`, end: `${day}T17:00:00+01:00`, minutes: 480 }],
    });

    await create("Planning", "10:00", 0, { event_duration_hour: 1 });
    await create("Review", "11:15", 45);
    await create("Lunch walk (free)", "13:00", 30, { transparency: "transparent" });
    const found = await run(user, "googlecalendar_find_free_slots", window);
    expect(found.busy).toEqual([
      { start: `${day}T10:00:00+01:00`, end: `${day}T11:00:00+01:00` },
      { start: `${day}T11:15:00+01:00`, end: `${day}T12:00:00+01:00` },
    ]);
    // The quarter hour between the meetings is shorter than the 30 minutes asked for.
    expect(found.free_slots).toEqual([
      { start: `${day}T09:00:00+01:00`, end: `${day}T10:00:00+01:00`, minutes: 60 },
      { start: `${day}T12:00:00+01:00`, end: `${day}T17:00:00+01:00`, minutes: 300 },
    ]);
    const short = await run(user, "googlecalendar_find_free_slots", { ...window, duration_minutes: 15 });
    expect((short.free_slots as { minutes: number }[]).map((slot) => slot.minutes)).toEqual([60, 15, 300]);
    const long = await run(user, "googlecalendar_find_free_slots", { ...window, duration_minutes: 90 });
    expect((long.free_slots as { minutes: number }[]).map((slot) => slot.minutes)).toEqual([300]);

    // Exact instants without a zone: the answer is in UTC.
    const utc = await run(user, "googlecalendar_find_free_slots", {
      time_min: `${day}T08:00:00Z`,
      time_max: `${day}T12:00:00Z`,
    });
    expect(utc).toMatchObject({
      timezone: "UTC",
      busy: [
        { start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z` },
        { start: `${day}T10:15:00Z`, end: `${day}T11:00:00Z` },
      ],
      free_slots: [
        { start: `${day}T08:00:00Z`, end: `${day}T09:00:00Z`, minutes: 60 },
        { start: `${day}T11:00:00Z`, end: `${day}T12:00:00Z`, minutes: 60 },
      ],
    });
    const refused = await run(user, "googlecalendar_find_free_slots", {
      time_min: `${day}T09:00:00`,
      time_max: `${day}T17:00:00`,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ScalekitToolException);
    expect((refused as ScalekitToolException).toolErrorCode).toBe("INVALID_INPUT");
  });

  it("notion: blocks appended to a page, at its end or after one of its blocks", async () => {
    const user = "cat-append";
    await sandbox.scalekit.approve(user, "notion");
    const paragraph = (content: string) => ({
      object: "block",
      type: "paragraph",
      paragraph: { rich_text: [{ type: "text", text: { content } }] },
    });
    const children = () => sandbox.emulators.notion.inspect(user).children(NOTION_IDS.meetingNotes);
    const before = children();
    expect(before.length).toBeGreaterThan(1);

    const appended = await run(user, "notion_page_append_blocks", {
      parent_page_id: NOTION_IDS.meetingNotes,
      child_blocks: [
        paragraph("Decisions from the catalog"),
        {
          object: "block",
          type: "to_do",
          to_do: { rich_text: [{ type: "text", text: { content: "Ship it" } }] },
        },
      ],
    });
    expect(appended).toMatchObject({ parent_page_id: NOTION_IDS.meetingNotes, appended: 2 });
    expect((appended.blocks as { type: string; text: string }[]).map((b) => [b.type, b.text])).toEqual([
      ["paragraph", "Decisions from the catalog"],
      ["to_do", "Ship it"],
    ]);
    expect(children().slice(before.length)).toEqual([
      expect.objectContaining({ type: "paragraph", text: "Decisions from the catalog" }),
      { id: expect.any(String), type: "to_do", text: "Ship it", checked: false },
    ]);

    const first = before[0]?.id as string;
    await run(user, "notion_page_append_blocks", {
      parent_page_id: NOTION_IDS.meetingNotes,
      child_blocks: [paragraph("Right after the first block")],
      after: first,
    });
    expect(children()[1]?.text).toBe("Right after the first block");
    const content = await run(user, "notion_page_content_get", { block_id: NOTION_IDS.meetingNotes });
    expect((content.blocks as { text: string }[]).map((b) => b.text)).toContain("Decisions from the catalog");

    const missing = await run(user, "notion_page_append_blocks", {
      parent_page_id: "00000000-0000-4000-8000-000000000000",
      child_blocks: [paragraph("Nowhere")],
    }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ScalekitToolException);
    expect((missing as ScalekitToolException).toolErrorCode).toBe("NOT_FOUND");
    const empty = await run(user, "notion_page_append_blocks", {
      parent_page_id: NOTION_IDS.meetingNotes,
      child_blocks: [],
    }).catch((e: unknown) => e);
    expect((empty as ScalekitToolException).toolErrorCode).toBe("INVALID_INPUT");
  });

  it("outlook: messages (list, get, search, send) and calendar (list, create, update, delete)", async () => {
    await sandbox.scalekit.approve("cat-outlook", "outlook");
    const listed = (await run("cat-outlook", "outlook_list_messages", { $top: 5 })).messages as {
      id: string;
    }[];
    expect(listed).toHaveLength(5);
    const message = await run("cat-outlook", "outlook_get_message", { message_id: listed[0]!.id });
    expect(typeof message.body).toBe("string");
    const searched = (await run("cat-outlook", "outlook_search_messages", { query: "roadmap" }))
      .messages as unknown[];
    expect(searched.length).toBeGreaterThan(0);
    await run("cat-outlook", "outlook_send_message", {
      toRecipients: ["priya@example.com"],
      subject: "From the catalog",
      body: "Hello",
    });
    expect(sandbox.emulators.outlook.inspect("cat-outlook").sent.map((m) => m.subject)).toContain(
      "From the catalog",
    );

    const events = await run("cat-outlook", "outlook_list_calendar_events", { top: 50 });
    expect((events.events as unknown[]).length).toBeGreaterThan(0);
    const created = await run("cat-outlook", "outlook_create_calendar_event", {
      subject: "Catalog review",
      start_datetime: "2026-12-02T09:00:00",
      start_timezone: "Europe/Berlin",
      end_datetime: "2026-12-02T09:30:00",
      end_timezone: "Europe/Berlin",
      attendees_required: ["sam@example.com"],
      isOnlineMeeting: true,
    });
    expect(created.join_url).toMatch(/^https:\/\//);
    const filtered = await run("cat-outlook", "outlook_list_calendar_events", {
      filter: "start/dateTime ge '2026-12-02T00:00:00' and start/dateTime lt '2026-12-03T00:00:00'",
    });
    expect((filtered.events as { id: string }[]).map((e) => e.id)).toContain(created.id);
    const updated = await run("cat-outlook", "outlook_update_calendar_event", {
      event_id: created.id,
      subject: "Catalog review (moved)",
    });
    expect(updated.subject).toBe("Catalog review (moved)");
    await run("cat-outlook", "outlook_delete_calendar_event", { event_id: created.id });
    expect(sandbox.emulators.outlook.inspect("cat-outlook").deletedEventIds).toContain(created.id);
  });

  it("refuses a wrongly typed parameter as a tool error", async () => {
    await sandbox.scalekit.approve("cat-typed", "gmail");
    const error = await run("cat-typed", "gmail_fetch_mails", { max_results: "five" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ScalekitToolException);
    expect((error as ScalekitToolException).toolErrorCode).toBe("INVALID_INPUT");
  });

  it("hands the sandbox's signed webhooks to an in-process receiver", async () => {
    const bodies: string[] = [];
    const stop = sandbox.deliverWebhooks(async ({ headers, body }) => {
      expect(client.verifyWebhookPayload(sandbox.webhookSecret, headers, body)).toBe(true);
      bodies.push(body);
      return { status: 200 };
    });
    await sandbox.scalekit.approve("cat-hook", "slack");
    await sandbox.scalekit.flushWebhooks();
    stop();
    expect(bodies.map((body) => JSON.parse(body).data.identifier)).toEqual(["cat-hook"]);
  });
});
