import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { createAgent, tool } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DEMO_EXAMPLES, DemoChatModel } from "../../src/sandbox/demo-model/index.js";

const TIME_ZONE = "Europe/Berlin";
/** Wednesday 25 November 2026, 10:00 in Berlin. */
const NOW = new Date("2026-11-25T09:00:00Z");

const TOOL_NAMES = [
  "gmail_search_messages",
  "gmail_get_message",
  "gmail_send_message",
  "gmail_create_draft",
  "google_calendar_list_events",
  "google_calendar_create_event",
  "google_calendar_update_event",
  "google_calendar_delete_event",
  "google_calendar_find_free_time",
  "slack_list_channels",
  "slack_read_channel",
  "slack_post_message",
  "slack_search_messages",
  "slack_list_users",
  "notion_search",
  "notion_get_page",
  "notion_create_page",
  "notion_append_to_page",
  "notion_query_database",
  "outlook_search_messages",
  "outlook_get_message",
  "outlook_send_message",
  "outlook_list_events",
  "outlook_create_event",
  "outlook_update_event",
  "outlook_delete_event",
];

const toolDefinitions = (names: readonly string[]) =>
  names.map((name) => ({
    type: "function" as const,
    function: { name, description: name, parameters: { type: "object", properties: {} } },
  }));

function demoModel(options: { now?: Date; tools?: readonly string[] } = {}) {
  const now = options.now ?? NOW;
  return new DemoChatModel({ timeZone: TIME_ZONE, now: () => now }).bindTools(
    toolDefinitions(options.tools ?? TOOL_NAMES),
  );
}

type Call = { name: string; args: Record<string, unknown> };

const TOMORROW = { time_min: "2026-11-26T00:00:00", time_max: "2026-11-27T00:00:00" };
const OUTLOOK_TOMORROW = { start: "2026-11-26T00:00:00", end: "2026-11-27T00:00:00" };

/** The first message's tool calls for every documented phrase. */
const EXPECTED: Record<string, Call[]> = {
  "show my unread email": [{ name: "gmail_search_messages", args: { query: "is:unread", max_results: 10 } }],
  "search my email for invoices": [
    { name: "gmail_search_messages", args: { query: "invoice", max_results: 10 } },
  ],
  "read the latest email from Dana": [
    { name: "gmail_search_messages", args: { query: "from:dana", max_results: 1 } },
  ],
  "email sam@example.com about lunch saying see you at noon": [
    {
      name: "gmail_send_message",
      args: { to: ["sam@example.com"], subject: "Lunch", body: "See you at noon" },
    },
  ],
  "draft an email to sam@example.com about the offsite saying here is the agenda": [
    {
      name: "gmail_create_draft",
      args: { to: ["sam@example.com"], subject: "The offsite", body: "Here is the agenda" },
    },
  ],
  "what's on my calendar tomorrow": [{ name: "google_calendar_list_events", args: TOMORROW }],
  "what's on my calendar this week": [
    {
      name: "google_calendar_list_events",
      args: { time_min: "2026-11-25T00:00:00", time_max: "2026-11-30T00:00:00" },
    },
  ],
  "schedule lunch with sam@example.com tomorrow at noon": [
    {
      name: "google_calendar_create_event",
      args: {
        title: "Lunch with Sam",
        start: "2026-11-26T12:00:00",
        duration_minutes: 60,
        attendees: ["sam@example.com"],
      },
    },
  ],
  "find a free 30 minute slot tomorrow": [
    {
      name: "google_calendar_find_free_time",
      args: { ...TOMORROW, duration_minutes: 30, working_hours_only: true },
    },
  ],
  "move my lunch with Sam tomorrow to 1pm": [{ name: "google_calendar_list_events", args: TOMORROW }],
  "cancel my lunch with Sam tomorrow": [{ name: "google_calendar_list_events", args: TOMORROW }],
  "list my Slack channels": [{ name: "slack_list_channels", args: {} }],
  "what's new in #engineering": [
    { name: "slack_read_channel", args: { channel: "#engineering", limit: 10 } },
  ],
  "post 'deploy is done' to #team on Slack": [
    { name: "slack_post_message", args: { channel: "#team", text: "deploy is done" } },
  ],
  "search Slack for launch": [{ name: "slack_search_messages", args: { query: "launch", count: 10 } }],
  "who is on Slack": [{ name: "slack_list_users", args: {} }],
  "find my roadmap in Notion": [{ name: "notion_search", args: { query: "roadmap" } }],
  "show the Team Handbook page in Notion": [
    { name: "notion_search", args: { query: "Team Handbook", filter: "page" } },
  ],
  "add a note to Meeting Notes in Notion saying ship the beta on Friday": [
    { name: "notion_search", args: { query: "Meeting Notes", filter: "page" } },
  ],
  "which projects are in progress in Notion": [
    { name: "notion_search", args: { query: "Projects", filter: "database" } },
  ],
  "create a Notion page called Launch Plan under Team Handbook": [
    { name: "notion_search", args: { query: "Team Handbook", filter: "page" } },
  ],
  "show my unread Outlook mail": [
    { name: "outlook_search_messages", args: { unread_only: true, max_results: 10 } },
  ],
  "read the latest Outlook email from Morgan": [
    { name: "outlook_search_messages", args: { from: "morgan", max_results: 1 } },
  ],
  "send an Outlook email to morgan@contoso.com about the report saying it's ready": [
    {
      name: "outlook_send_message",
      args: { to: ["morgan@contoso.com"], subject: "The report", body: "It's ready" },
    },
  ],
  "what meetings do I have in Outlook this week": [
    { name: "outlook_list_events", args: { start: "2026-11-25T00:00:00", end: "2026-11-30T00:00:00" } },
  ],
  "schedule a sync in Outlook tomorrow at 3pm with morgan@contoso.com": [
    {
      name: "outlook_create_event",
      args: {
        subject: "Sync with Morgan",
        start: "2026-11-26T15:00:00",
        duration_minutes: 30,
        attendees: ["morgan@contoso.com"],
      },
    },
  ],
  "move my sync with Morgan in Outlook tomorrow to 4pm": [
    { name: "outlook_list_events", args: OUTLOOK_TOMORROW },
  ],
  "cancel my sync with Morgan in Outlook tomorrow": [{ name: "outlook_list_events", args: OUTLOOK_TOMORROW }],
  "what's on my calendar tomorrow? post it to #team on Slack": [
    { name: "google_calendar_list_events", args: TOMORROW },
  ],
  "check my unread email and post a summary to #team": [
    { name: "gmail_search_messages", args: { query: "is:unread", max_results: 10 } },
  ],
  "email sam@example.com about lunch saying see you at noon and post 'lunch at noon' to #team": [
    {
      name: "gmail_send_message",
      args: { to: ["sam@example.com"], subject: "Lunch", body: "See you at noon" },
    },
    { name: "slack_post_message", args: { channel: "#team", text: "lunch at noon" } },
  ],
};

/** Canned tool results, shaped like the connector tools' JSON. */
const RESULTS: Record<string, unknown> = {
  gmail_search_messages: {
    messages: [
      {
        id: "m1",
        thread_id: "t1",
        from: "Dana Lee <dana@example.com>",
        to: "me@example.com",
        subject: "Q4 invoice",
        date: "2026-11-24T08:12:00Z",
        snippet: "Please find attached",
        unread: true,
      },
      {
        id: "m2",
        thread_id: "t2",
        from: "Sam <sam@example.com>",
        subject: "Lunch?",
        date: "2026-11-25T08:00:00Z",
        unread: true,
      },
    ],
  },
  gmail_get_message: {
    id: "m1",
    from: "Dana Lee <dana@example.com>",
    subject: "Q4 invoice",
    date: "2026-11-24T08:12:00Z",
    body: "Hi, the Q4 invoice is attached. Dana",
  },
  google_calendar_list_events: {
    time_zone: TIME_ZONE,
    events: [
      { id: "e1", title: "Standup", start: "2026-11-26T09:30:00+01:00", end: "2026-11-26T09:45:00+01:00" },
      {
        id: "e2",
        title: "Lunch with Sam",
        start: "2026-11-26T12:00:00+01:00",
        end: "2026-11-26T13:00:00+01:00",
        attendees: ["sam@example.com"],
      },
    ],
  },
  notion_search: {
    results: [
      { id: "p-handbook", type: "page", title: "Team Handbook", url: "https://notion.so/handbook" },
      { id: "db-projects", type: "database", title: "Projects", url: "https://notion.so/projects" },
      { id: "p-notes", type: "page", title: "Meeting Notes", url: "https://notion.so/notes" },
    ],
  },
  notion_query_database: { results: [{ id: "r1", title: "Website redesign", status: "In progress" }] },
  slack_post_message: { ok: true, channel: "C1", ts: "1764061200.000100" },
  gmail_send_message: { id: "sent1", thread_id: "t9" },
};

const lastCalls = (message: BaseMessage) => (AIMessage.isInstance(message) ? (message.tool_calls ?? []) : []);

/** Answers every tool call of the last AI message with a canned (or given) result. */
function answer(
  messages: BaseMessage[],
  result?: (name: string) => { content: string; status?: "error" },
): BaseMessage[] {
  const last = messages.at(-1);
  if (!last) return messages;
  const replies = lastCalls(last).map((call) => {
    const reply = result?.(call.name) ?? { content: JSON.stringify(RESULTS[call.name] ?? { ok: true }) };
    return new ToolMessage({ tool_call_id: call.id ?? "", name: call.name, ...reply });
  });
  return [...messages, ...replies];
}

async function step(messages: BaseMessage[], model = demoModel()): Promise<BaseMessage[]> {
  return [...messages, await model.invoke(messages)];
}

describe("DemoChatModel: documented requests", () => {
  const all = Object.entries(DEMO_EXAMPLES).flatMap(([connector, phrases]) =>
    phrases.map((phrase) => [connector, phrase] as const),
  );

  it("documents examples for every connector and the combined requests", () => {
    for (const key of ["gmail", "google-calendar", "slack", "notion", "outlook", "combined"] as const) {
      expect(DEMO_EXAMPLES[key].length).toBeGreaterThanOrEqual(3);
    }
    expect(Object.keys(EXPECTED).sort()).toEqual(all.map(([, phrase]) => phrase).sort());
  });

  it.each(all)("[%s] %s → expected tool calls", async (_connector, phrase) => {
    const reply = await demoModel().invoke([new HumanMessage(phrase)]);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(reply.tool_calls?.map(({ name, args }) => ({ name, args }))).toEqual(EXPECTED[phrase]);
    reply.tool_calls?.forEach((call, index) => {
      expect(call.id).toBe(`call_1_${index}`);
    });
  });
});

describe("DemoChatModel: follow-ups and answers", () => {
  it("reads the latest email from Dana: search, then get the first result, then show it", async () => {
    let messages = await step([
      new SystemMessage("You are Delegate."),
      new HumanMessage("read the latest email from Dana"),
    ]);
    expect(lastCalls(messages.at(-1)!)[0]?.id).toBe("call_2_0");
    messages = await step(answer(messages));
    expect(lastCalls(messages.at(-1)!)).toEqual([
      expect.objectContaining({ name: "gmail_get_message", args: { message_id: "m1" }, id: "call_4_0" }),
    ]);
    messages = await step(answer(messages));
    const final = messages.at(-1)!;
    expect(lastCalls(final)).toEqual([]);
    expect(final.text).toContain("Q4 invoice");
    expect(final.text).toContain("Dana Lee");
    // The lookup is not repeated as a list of search results.
    expect(final.text).not.toContain("Lunch?");
  });

  it("says so when the follow-up finds nothing", async () => {
    let messages = await step([new HumanMessage("read the latest email from Dana")]);
    messages = await step(answer(messages, () => ({ content: JSON.stringify({ messages: [] }) })));
    expect(lastCalls(messages.at(-1)!)).toEqual([]);
    expect(messages.at(-1)!.text).toMatch(/didn't find any email from Dana/);
  });

  it("posts tomorrow's events to #team after reading the calendar, then answers", async () => {
    let messages = await step([
      new HumanMessage("what's on my calendar tomorrow? post it to #team on Slack"),
    ]);
    messages = await step(answer(messages));
    const [post] = lastCalls(messages.at(-1)!);
    expect(post?.name).toBe("slack_post_message");
    expect(post?.args.channel).toBe("#team");
    expect(post?.args.text).toContain("09:30–09:45 Standup");
    expect(post?.args.text).toContain("12:00–13:00 Lunch with Sam");
    messages = await step(answer(messages));
    const final = messages.at(-1)!.text;
    expect(final).toContain("Standup");
    expect(final).toContain("#team");
  });

  it("cancels the matching event after listing tomorrow", async () => {
    let messages = await step([new HumanMessage("cancel my lunch with Sam tomorrow")]);
    messages = await step(answer(messages));
    expect(lastCalls(messages.at(-1)!)).toEqual([
      expect.objectContaining({ name: "google_calendar_delete_event", args: { event_id: "e2" } }),
    ]);
    messages = await step(answer(messages, () => ({ content: JSON.stringify({ deleted: true }) })));
    expect(messages.at(-1)!.text).toMatch(/Cancelled "Lunch with Sam"/);
  });

  it("cancels nothing when no event matches", async () => {
    let messages = await step([new HumanMessage("cancel my dinner with Alex tomorrow")]);
    messages = await step(answer(messages));
    expect(lastCalls(messages.at(-1)!)).toEqual([]);
    expect(messages.at(-1)!.text).toMatch(/couldn't find .*nothing was cancelled/);
  });

  it("moves an event keeping its length", async () => {
    let messages = await step([new HumanMessage("move my lunch with Sam tomorrow to 1pm")]);
    messages = await step(answer(messages));
    expect(lastCalls(messages.at(-1)!)[0]?.args).toEqual({
      event_id: "e2",
      start: "2026-11-26T13:00:00",
      end: "2026-11-26T14:00:00",
    });
  });

  describe("when several events match", () => {
    const twoLunches = () => ({
      content: JSON.stringify({
        time_zone: TIME_ZONE,
        events: [
          {
            id: "e-noon",
            title: "Lunch with Sam",
            start: "2026-11-26T12:00:00+01:00",
            end: "2026-11-26T13:00:00+01:00",
          },
          {
            id: "e-late",
            title: "Lunch with Sam and Dana",
            start: "2026-11-26T12:30:00+01:00",
            end: "2026-11-26T13:30:00+01:00",
          },
        ],
      }),
    });

    async function asked(request: string): Promise<BaseMessage[]> {
      let messages = await step([new SystemMessage("You are Delegate."), new HumanMessage(request)]);
      messages = await step(answer(messages, twoLunches));
      expect(lastCalls(messages.at(-1)!)).toEqual([]);
      return messages;
    }

    it("lists them by number and asks which one, changing nothing", async () => {
      const messages = await asked("move my lunch with Sam tomorrow to 1pm");
      const question = messages.at(-1)!.text;
      expect(question).toContain(
        "1. Thu 26 Nov 12:00–13:00 Lunch with Sam\n2. Thu 26 Nov 12:30–13:30 Lunch with Sam and Dana",
      );
      expect(question).toMatch(
        /Which one should I move\? Reply with its number, start time or title\. Nothing has been changed\./,
      );
    });

    it.each([
      ["2", "e-late"],
      ["the second one", "e-late"],
      ["#1", "e-noon"],
      ["the 12:30 one", "e-late"],
      ["at noon", "e-noon"],
      ["Lunch with Sam", "e-noon"],
      ["the one with Dana", "e-late"],
    ])("understands %j as the answer", async (reply, eventId) => {
      let messages = await asked("move my lunch with Sam tomorrow to 1pm");
      messages = await step([...messages, new HumanMessage(reply)]);
      const [call] = lastCalls(messages.at(-1)!);
      expect(call?.name).toBe("google_calendar_update_event");
      expect(call?.args.event_id).toBe(eventId);
      expect(call?.args.start).toBe("2026-11-26T13:00:00");
      // Once the change is made, the turn ends with what was done.
      messages = await step(
        answer(messages, () => ({ content: JSON.stringify({ id: eventId, title: "Lunch" }) })),
      );
      expect(lastCalls(messages.at(-1)!)).toEqual([]);
      expect(messages.at(-1)!.text).not.toMatch(/Which one/);
    });

    it("asks again when the answer fits none, and still understands the next one", async () => {
      let messages = await asked("cancel my lunch with Sam tomorrow");
      messages = await step([...messages, new HumanMessage("hmm, not sure")]);
      expect(lastCalls(messages.at(-1)!)).toEqual([]);
      expect(messages.at(-1)!.text).toMatch(/couldn't tell which one you mean.*number from 1 to 2/);
      messages = await step([...messages, new HumanMessage("1")]);
      expect(lastCalls(messages.at(-1)!)).toEqual([
        expect.objectContaining({ name: "google_calendar_delete_event", args: { event_id: "e-noon" } }),
      ]);
    });

    it("leaves everything as it is on 'never mind', and a new request is just a request", async () => {
      let messages = await asked("cancel my lunch with Sam tomorrow");
      messages = await step([...messages, new HumanMessage("never mind")]);
      expect(lastCalls(messages.at(-1)!)).toEqual([]);
      expect(messages.at(-1)!.text).toMatch(/left your calendar as it is/);
      const other = await step([
        ...(await asked("cancel my lunch with Sam tomorrow")),
        new HumanMessage("show my unread email"),
      ]);
      expect(lastCalls(other.at(-1)!)[0]?.name).toBe("gmail_search_messages");
    });
  });

  it("queries the Projects database for items in progress", async () => {
    let messages = await step([new HumanMessage("which projects are in progress in Notion")]);
    messages = await step(answer(messages));
    expect(lastCalls(messages.at(-1)!)[0]).toMatchObject({
      name: "notion_query_database",
      args: { database_id: "db-projects", filter_property: "Status", equals: "In progress" },
    });
    messages = await step(answer(messages));
    expect(messages.at(-1)!.text).toContain("Website redesign");
  });

  it("appends to the page it found", async () => {
    let messages = await step([
      new HumanMessage("add a note to Meeting Notes in Notion saying ship the beta on Friday"),
    ]);
    messages = await step(answer(messages));
    expect(lastCalls(messages.at(-1)!)[0]).toMatchObject({
      name: "notion_append_to_page",
      args: { page_id: "p-notes", content: "Ship the beta on Friday" },
    });
  });

  it("summarizes results for a person", async () => {
    let messages = await step([new HumanMessage("show my unread email")]);
    messages = await step(answer(messages));
    const final = messages.at(-1)!.text;
    expect(final).toMatch(/2 unread Gmail messages/);
    expect(final).toContain("- Dana Lee: Q4 invoice");
    expect(final).toContain("- Sam: Lunch?");
  });

  it("confirms both parallel actions", async () => {
    let messages = await step([
      new HumanMessage(
        "email sam@example.com about lunch saying see you at noon and post 'lunch at noon' to #team",
      ),
    ]);
    expect(lastCalls(messages.at(-1)!).map((call) => call.id)).toEqual(["call_1_0", "call_1_1"]);
    messages = await step(answer(messages));
    const final = messages.at(-1)!.text;
    expect(final).toContain('Sent the email "Lunch" to sam@example.com');
    expect(final).toContain('Posted "lunch at noon" to #team');
  });

  it("explains a declined authorization and how to connect later", async () => {
    let messages = await step([new HumanMessage("show my unread email")]);
    messages = await step(
      answer(messages, () => ({
        content: "The user declined to connect Gmail; the tool did not run.",
        status: "error",
      })),
    );
    const final = messages.at(-1)!;
    expect(lastCalls(final)).toEqual([]);
    expect(final.text).toMatch(/didn't search your Gmail/);
    expect(final.text).toMatch(/declined/);
    expect(final.text).toContain("ask me again and I'll send you a link to connect Gmail");
    expect(final.text).not.toContain("/connect");
  });

  it("explains a failed tool, including a non-JSON result", async () => {
    let messages = await step([new HumanMessage("list my Slack channels")]);
    messages = await step(answer(messages, () => ({ content: "upstream timeout" })));
    expect(messages.at(-1)!.text).toMatch(/couldn't list your Slack channels: upstream timeout/);
  });

  it("does not run a follow-up after a failed step", async () => {
    let messages = await step([
      new HumanMessage("what's on my calendar tomorrow? post it to #team on Slack"),
    ]);
    messages = await step(
      answer(messages, () => ({ content: "Authorization was cancelled by the user.", status: "error" })),
    );
    expect(lastCalls(messages.at(-1)!)).toEqual([]);
    expect(messages.at(-1)!.text).toContain("link to connect Google Calendar");
  });
});

describe("DemoChatModel: identity, tools, clock", () => {
  it("is labelled as the offline demo model", () => {
    expect(DemoChatModel.displayName).toBe("offline demo model");
    expect(new DemoChatModel()._llmType()).toBe("delegate-demo");
  });

  it("answers unmatched input briefly: three examples, where to see the rest, how to configure a real model", async () => {
    const reply = await demoModel().invoke([new HumanMessage("write me a sonnet about databases")]);
    expect(reply.tool_calls ?? []).toEqual([]);
    expect(reply.text).toContain("(offline demo model)");
    expect(reply.text).toContain("OPENAI_API_KEY");
    expect(reply.text).toContain("OPENAI_BASE_URL");
    expect(reply.text).toContain("OPENAI_MODEL");
    expect(reply.text.match(/^- /gm)).toHaveLength(3);
    expect(reply.text.split("\n").length).toBeLessThanOrEqual(6);
    expect(reply.text).toContain('Ask "what can you do"');
    expect(reply.text).not.toContain("/help");
  });

  it.each(["help", "what can you do?", "What can you do", "show me the examples"])(
    "lists every documented request for %j",
    async (question) => {
      const reply = await demoModel().invoke([new HumanMessage(question)]);
      expect(reply.tool_calls ?? []).toEqual([]);
      for (const phrase of Object.values(DEMO_EXAMPLES).flat()) expect(reply.text).toContain(phrase);
      expect(reply.text).toContain("OPENAI_API_KEY");
    },
  );

  it("greets briefly", async () => {
    const reply = await demoModel().invoke([new HumanMessage("hi")]);
    expect(reply.text).toMatch(/^Hi! I'm Delegate/);
    expect(reply.text.match(/^- /gm)).toHaveLength(3);
    expect(reply.text).toContain('Ask "what can you do"');
  });

  it("only calls tools that are bound", async () => {
    const gmailOnly = demoModel({ tools: ["gmail_search_messages"] });
    const slack = await gmailOnly.invoke([new HumanMessage("list my Slack channels")]);
    expect(slack.tool_calls ?? []).toEqual([]);
    expect(slack.text).toMatch(/slack_list_channels .*isn't available/);
    const unbound = await new DemoChatModel({ timeZone: TIME_ZONE, now: () => NOW }).invoke([
      new HumanMessage("show my unread email"),
    ]);
    expect(unbound.tool_calls ?? []).toEqual([]);
  });

  it("with Scalekit's hosted tools bound, says it does not drive them, not that the connector is off", async () => {
    const catalog = demoModel({ tools: ["gmail_fetch_mails", "googlecalendar_list_events"] });
    for (const [ask, service] of [
      ["show my unread email", "Gmail"],
      ["what's on my calendar tomorrow", "Google Calendar"],
    ] as const) {
      const reply = await catalog.invoke([new HumanMessage(ask)]);
      expect(reply.tool_calls ?? []).toEqual([]);
      expect(reply.text).toContain(`Scalekit's hosted tools for ${service} (DELEGATE_TOOLS=catalog)`);
      expect(reply.text).not.toContain("not enabled");
    }
  });

  it("resolves days in the user's time zone", async () => {
    // 23:30 UTC on the 25th is already 00:30 on the 26th in Berlin, so tomorrow is the 27th.
    const late = demoModel({ now: new Date("2026-11-25T23:30:00Z") });
    const reply = await late.invoke([new HumanMessage("what's on my calendar tomorrow")]);
    expect(reply.tool_calls?.[0]?.args).toEqual({
      time_min: "2026-11-27T00:00:00",
      time_max: "2026-11-28T00:00:00",
    });
  });

  it("reads weekdays and clock times", async () => {
    const reply = await demoModel().invoke([
      new HumanMessage("schedule a design review on friday at 3:30pm for 45 minutes"),
    ]);
    expect(reply.tool_calls?.[0]?.args).toEqual({
      title: "Design review",
      start: "2026-11-27T15:30:00",
      duration_minutes: 45,
    });
    const next = await demoModel().invoke([new HumanMessage("what's on my calendar next monday")]);
    expect(next.tool_calls?.[0]?.args).toEqual({
      time_min: "2026-11-30T00:00:00",
      time_max: "2026-12-01T00:00:00",
    });
  });

  it("is deterministic", async () => {
    const input = [new HumanMessage("what's on my calendar tomorrow? post it to #team on Slack")];
    const [a, b] = await Promise.all([demoModel().invoke(input), demoModel().invoke(input)]);
    expect(a.content).toEqual(b.content);
    expect(a.tool_calls).toEqual(b.tool_calls);
  });

  it("streams text word by word and tool calls as one chunk", async () => {
    const model = demoModel();
    const input = [new HumanMessage("show my unread email")];
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream(input)) chunks.push(chunk);
    expect(chunks.filter((chunk) => chunk.text).length).toBeGreaterThan(3);
    expect(chunks.filter((chunk) => chunk.tool_call_chunks?.length)).toHaveLength(1);
    const merged = chunks.reduce((all, chunk) => all.concat(chunk));
    const whole = await model.invoke(input);
    expect(merged.text).toBe(whole.text);
    expect(merged.tool_calls).toEqual(whole.tool_calls);
  });
});

describe("DemoChatModel inside createAgent", () => {
  const cannedSearch = () =>
    tool(async () => JSON.stringify(RESULTS.gmail_search_messages), {
      name: "gmail_search_messages",
      description: "Search Gmail messages.",
      schema: z.object({ query: z.string().optional(), max_results: z.number().int().optional() }),
    });

  it("runs from prompt to final answer", async () => {
    const agent = createAgent({
      model: new DemoChatModel({ timeZone: TIME_ZONE, now: () => NOW }),
      tools: [cannedSearch()],
      systemPrompt: "You are Delegate.",
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "demo-agent" } };
    const result = await agent.invoke({ messages: [new HumanMessage("show my unread email")] }, config);
    expect(result.messages.map((message) => message.type)).toEqual(["human", "ai", "tool", "ai"]);
    expect(result.messages.at(-1)?.text).toContain("Dana Lee: Q4 invoice");

    // A second turn in the same thread gets fresh call ids.
    const second = await agent.invoke(
      { messages: [new HumanMessage("search my email for invoices")] },
      config,
    );
    const ids = second.messages.flatMap((message) => lastCalls(message).map((call) => call.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(second.messages.at(-1)?.text).toMatch(/matching "invoice"/);
  });

  it("streams its words in streamMode messages", async () => {
    const agent = createAgent({
      model: new DemoChatModel({ timeZone: TIME_ZONE, now: () => NOW }),
      tools: [cannedSearch()],
      checkpointer: new MemorySaver(),
    });
    const texts: string[] = [];
    for await (const [message, meta] of await agent.stream(
      { messages: [new HumanMessage("show my unread email")] },
      { configurable: { thread_id: "demo-stream" }, streamMode: "messages" },
    )) {
      if (AIMessageChunk.isInstance(message) && meta.langgraph_node === "model_request" && message.text)
        texts.push(message.text);
    }
    expect(texts.length).toBeGreaterThan(8);
    expect(texts.join("")).toContain("You have 2 unread Gmail messages");
  });
});
