/**
 * Catalog mode end to end, offline (issue 16): Scalekit-hosted tools from the emulator's catalog,
 * run with `executeTool`, behind the same gate as the built-in tools. For every connector a
 * scripted model reads (consent first), writes to a target the person named (runs once, no
 * question), writes to one they did not name (asked; after approval it runs exactly once); the
 * calendars' deletes are asked under the default policy. Effects come from the tools' annotations:
 * a Notion append writes to the page it names, as a new page does to its parent; finding free
 * calendar slots is a read, which runs unasked even when the policy asks for every write.
 */
import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../../../src/agent/authorization-request.js";
import type { Sandbox } from "../../../src/sandbox/index.js";
import { NOTION_IDS } from "../../../src/sandbox/providers/notion/notion-seed.js";
import type { ScriptedToolCall } from "../../helpers/fake-openai-server.js";
import { useOpenAIRuntime } from "../../helpers/openai-fixture.js";
import { collect, consent, ofType, type SandboxRuntime } from "../../helpers/sandbox-runtime.js";

const fixture = useOpenAIRuntime({ tools: "catalog" });

interface TurnOutcome {
  /** Connectors the person was asked to connect. */
  consents: string[];
  approvals: ApprovalRequest[];
  status: "success" | "error" | undefined;
}

let calls = 0;

/**
 * One request: the model makes `call`, then answers. Links are consented to, approvals decided
 * as `decide` says; returns what was asked and how the call ended.
 */
async function turn(
  env: SandboxRuntime,
  userId: string,
  text: string,
  call: Omit<ScriptedToolCall, "id">,
  decide: "approve" | "reject" = "approve",
): Promise<TurnOutcome> {
  const id = `call_catalog_${++calls}`;
  fixture.openai.enqueue({ toolCalls: [{ ...call, id }] }, { text: "Done." });
  const outcome: TurnOutcome = { consents: [], approvals: [], status: undefined };
  const threadId = `t-${userId}`;
  await collect(env.runtime.send({ userId, threadId, text }), async (event) => {
    if (event.type !== "authorization-required") return;
    for (const request of event.requests) {
      outcome.consents.push(request.connector);
      await consent(request.url);
    }
    if (event.approvals.length === 0) return;
    outcome.approvals.push(...event.approvals);
    const decisions = event.approvals.map((approval) => ({ toolCallId: approval.toolCallId, type: decide }));
    await collect(env.runtime.decide({ userId, threadId, decisions }));
  });
  outcome.status = ofType(env.events, "tool-result").find((result) => result.toolCallId === id)?.status;
  return outcome;
}

/** The one approval of a turn, checked to name `target` as not named by the person. */
function expectAskedFor(outcome: TurnOutcome, tool: string, target: string) {
  expect(outcome.approvals).toHaveLength(1);
  const [approval] = outcome.approvals;
  expect(approval).toMatchObject({ tool, effect: "write", reason: "target_not_named_by_user" });
  expect(approval?.targets.filter((t) => !t.named).map((t) => t.display)).toEqual([target]);
  expect(approval?.summary).toContain(target);
  expect(outcome.status).toBe("success");
}

const executed = (sandbox: Sandbox) => sandbox.scalekit.calls.count("ExecuteTool");
const sentTo = (sandbox: Sandbox, userId: string, address: string) =>
  sandbox.emulators.gmail
    .inspect(userId)
    .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to === address);

describe("catalog mode: hosted tools behind the gate, for every connector", () => {
  it("Gmail: a read needs consent; a send to a named address runs once; to another, after approval, once", async () => {
    const env = await fixture.start();
    const user = "cat-gmail";
    const read = await turn(env, user, "any invoices?", {
      name: "gmail_fetch_mails",
      args: { query: "invoice", max_results: 5 },
    });
    expect(read).toMatchObject({ consents: ["gmail"], approvals: [], status: "success" });

    const named = await turn(env, user, "email sam@example.com that lunch is at noon", {
      name: "gmail_send_message",
      args: { to: "sam@example.com", subject: "Lunch", body: "Noon at Menya Hoshi." },
    });
    expect(named).toMatchObject({ consents: [], approvals: [], status: "success" });
    expect(sentTo(env.sandbox, user, "sam@example.com")).toHaveLength(1);

    const before = executed(env.sandbox);
    const unnamed = await turn(env, user, "send the invoice summary where the billing mail said", {
      name: "gmail_send_message",
      args: { to: "ops@partner.example", subject: "Invoices", body: "INV-21407: $1,412.50." },
    });
    expectAskedFor(unnamed, "gmail_send_message", "ops@partner.example");
    expect(sentTo(env.sandbox, user, "ops@partner.example")).toHaveLength(1);
    expect(executed(env.sandbox)).toBe(before + 1);
  });

  it("Slack: a read needs consent; a post to the named channel runs once; to another, after approval, once", async () => {
    const env = await fixture.start();
    const user = "cat-slack";
    const read = await turn(env, user, "which Slack channels do I have?", {
      name: "slack_list_channels",
      args: {},
    });
    expect(read).toMatchObject({ consents: ["slack"], approvals: [], status: "success" });

    const posts = (channel: string, text: string) =>
      env.sandbox.emulators.slack
        .inspect(user)
        .messages(channel)
        .filter((m) => m.text === text);
    const named = await turn(env, user, "tell #team the demo moved to 3pm", {
      name: "slack_send_message",
      args: { channel: "#team", text: "The demo moved to 3pm." },
    });
    expect(named).toMatchObject({ approvals: [], status: "success" });
    expect(posts("#team", "The demo moved to 3pm.")).toHaveLength(1);

    const unnamed = await turn(env, user, "share the launch date where people will see it", {
      name: "slack_send_message",
      args: { channel: "#random", text: "Atlas 2.0 launches Tuesday." },
    });
    expectAskedFor(unnamed, "slack_send_message", "#random");
    expect(posts("#random", "Atlas 2.0 launches Tuesday.")).toHaveLength(1);
  });

  it("Notion: a read needs consent; a page under the page the person named runs once; elsewhere, after approval, once", async () => {
    const env = await fixture.start();
    const user = "cat-notion";
    const read = await turn(env, user, "find the Team Handbook in Notion", {
      name: "notion_page_search",
      args: { query: "Team Handbook" },
    });
    expect(read).toMatchObject({ consents: ["notion"], approvals: [], status: "success" });

    const page = (parent: string, title: string) => ({
      name: "notion_page_create",
      args: { parent_page_id: parent, properties: { title: { title: [{ text: { content: title } }] } } },
    });
    const created = (title: string) =>
      env.sandbox.emulators.notion.inspect(user).pages.filter((p) => p.title === title);
    // The person named the handbook; its id came from the search they asked for.
    const named = await turn(
      env,
      user,
      "add a page Travel policy under Team Handbook",
      page(NOTION_IDS.handbook, "Travel policy"),
    );
    expect(named).toMatchObject({ approvals: [], status: "success" });
    expect(created("Travel policy").map((p) => p.parent)).toEqual([
      { type: "page_id", page_id: NOTION_IDS.handbook },
    ]);

    const unnamed = await turn(
      env,
      user,
      "file the offsite notes somewhere sensible",
      page(NOTION_IDS.roadmap, "Offsite notes"),
    );
    expectAskedFor(unnamed, "notion_page_create", NOTION_IDS.roadmap);
    expect(created("Offsite notes").map((p) => p.parent)).toEqual([
      { type: "page_id", page_id: NOTION_IDS.roadmap },
    ]);
  });

  it("Notion: an append to the page the person named runs once; to another page, after approval, once", async () => {
    const env = await fixture.start();
    const user = "cat-append";
    const read = await turn(env, user, "find my Meeting Notes in Notion", {
      name: "notion_page_search",
      args: { query: "Meeting Notes" },
    });
    expect(read).toMatchObject({ consents: ["notion"], approvals: [], status: "success" });

    const append = (page: string, text: string) => ({
      name: "notion_page_append_blocks",
      args: {
        parent_page_id: page,
        child_blocks: [
          {
            object: "block",
            type: "paragraph",
            paragraph: { rich_text: [{ type: "text", text: { content: text } }] },
          },
        ],
      },
    });
    const added = (page: string, text: string) =>
      env.sandbox.emulators.notion
        .inspect(user)
        .children(page)
        .filter((block) => block.text === text);
    // The person named the page; its id came from the search they asked for.
    const named = await turn(
      env,
      user,
      "add 'Launch moved to Tuesday' to Meeting Notes",
      append(NOTION_IDS.meetingNotes, "Launch moved to Tuesday"),
    );
    expect(named).toMatchObject({ approvals: [], status: "success" });
    expect(added(NOTION_IDS.meetingNotes, "Launch moved to Tuesday")).toHaveLength(1);

    const before = executed(env.sandbox);
    const unnamed = await turn(
      env,
      user,
      "write the decision down wherever it belongs",
      append(NOTION_IDS.roadmap, "Offline mode slips a month"),
    );
    expectAskedFor(unnamed, "notion_page_append_blocks", NOTION_IDS.roadmap);
    expect(unnamed.approvals[0]?.connector).toBe("notion");
    expect(added(NOTION_IDS.roadmap, "Offline mode slips a month")).toHaveLength(1);
    expect(executed(env.sandbox)).toBe(before + 1);
  });

  it("under write=ask: finding free slots runs without a question; an append is asked, and a rejected one adds nothing", async () => {
    const env = await fixture.start({ approvals: { write: "ask" } });
    const user = "cat-free";
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const free = await turn(env, user, "when am I free on that day?", {
      name: "googlecalendar_find_free_slots",
      args: { time_min: `${day}T00:00:00Z`, time_max: `${day}T23:59:00Z`, duration_minutes: 30 },
    });
    expect(free).toMatchObject({ consents: ["google-calendar"], approvals: [], status: "success" });
    // The answer reached the model: the slots, worked out from the seeded calendar's busy blocks.
    const answer = fixture.openai.requests
      .flatMap((request) => request.messages)
      .find((message) => message.role === "tool" && String(message.content).includes("free_slots"));
    expect(JSON.parse(String(answer?.content))).toMatchObject({
      free_slots: expect.arrayContaining([expect.objectContaining({ start: expect.stringContaining(day) })]),
    });

    await turn(env, user, "find my Meeting Notes in Notion", {
      name: "notion_page_search",
      args: { query: "Meeting Notes" },
    });
    const append = {
      name: "notion_page_append_blocks",
      args: {
        parent_page_id: NOTION_IDS.meetingNotes,
        child_blocks: [
          {
            object: "block",
            type: "paragraph",
            paragraph: { rich_text: [{ type: "text", text: { content: "Free at 3pm" } }] },
          },
        ],
      },
    };
    const added = () =>
      env.sandbox.emulators.notion
        .inspect(user)
        .children(NOTION_IDS.meetingNotes)
        .filter((block) => block.text === "Free at 3pm");
    // Named by the person, but the policy asks for every write.
    const rejected = await turn(env, user, "add 'Free at 3pm' to Meeting Notes", append, "reject");
    expect(rejected.approvals.map((a) => [a.tool, a.effect, a.reason])).toEqual([
      ["notion_page_append_blocks", "write", "policy"],
    ]);
    expect(rejected.approvals[0]?.targets).toEqual([
      expect.objectContaining({ kind: "notion-parent", field: "parent_page_id", named: true }),
    ]);
    expect(rejected.status).toBe("error");
    expect(added()).toHaveLength(0);

    const approved = await turn(env, user, "add 'Free at 3pm' to Meeting Notes after all", append);
    expect(approved.approvals.map((a) => a.reason)).toEqual(["policy"]);
    expect(approved.status).toBe("success");
    expect(added()).toHaveLength(1);
  });

  it("Google Calendar: invites run for the guest the person named, are asked for another; a delete is asked", async () => {
    const env = await fixture.start();
    const user = "cat-gcal";
    const read = await turn(env, user, "what's on my calendar?", {
      name: "googlecalendar_list_events",
      args: {},
    });
    expect(read).toMatchObject({ consents: ["google-calendar"], approvals: [], status: "success" });

    const start = `${new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)}T09:00:00Z`;
    const withGuests = (title: string) =>
      env.sandbox.emulators.googleCalendar.inspect(user).events.filter((e) => e.summary === title);
    const named = await turn(env, user, "set up a review with sam@example.com", {
      name: "googlecalendar_create_event",
      args: { summary: "Review with Sam", start_datetime: start, attendees_emails: ["sam@example.com"] },
    });
    expect(named).toMatchObject({ approvals: [], status: "success" });
    expect(withGuests("Review with Sam")).toHaveLength(1);

    const unnamed = await turn(env, user, "set up the vendor review they proposed", {
      name: "googlecalendar_create_event",
      args: { summary: "Vendor review", start_datetime: start, attendees_emails: ["ops@partner.example"] },
    });
    expectAskedFor(unnamed, "googlecalendar_create_event", "ops@partner.example");
    expect(withGuests("Vendor review")).toHaveLength(1);

    const dentist = withGuests("Dentist appointment")[0]?.id as string;
    const deleted = await turn(env, user, "cancel my dentist appointment", {
      name: "googlecalendar_delete_event",
      args: { event_id: dentist },
    });
    expect(deleted.approvals.map((a) => [a.tool, a.effect, a.reason])).toEqual([
      ["googlecalendar_delete_event", "destructive", "policy"],
    ]);
    expect(env.sandbox.emulators.googleCalendar.inspect(user).deletedIds).toEqual([dentist]);
  });

  it("Outlook: a send to a named address runs once, to another after approval once; a delete is asked, and a reject keeps the event", async () => {
    const env = await fixture.start();
    const user = "cat-outlook";
    const read = await turn(env, user, "anything new in Outlook?", {
      name: "outlook_list_messages",
      args: { $top: 5 },
    });
    expect(read).toMatchObject({ consents: ["outlook"], approvals: [], status: "success" });

    const sent = (address: string) =>
      env.sandbox.emulators.outlook
        .inspect(user)
        .sent.filter((m) => JSON.stringify(m.toRecipients).includes(`"${address}"`));
    const named = await turn(env, user, "email morgan@contoso.com that the slides are ready", {
      name: "outlook_send_message",
      args: { toRecipients: ["morgan@contoso.com"], subject: "Slides", body: "They are ready." },
    });
    expect(named).toMatchObject({ approvals: [], status: "success" });
    expect(sent("morgan@contoso.com")).toHaveLength(1);

    const unnamed = await turn(env, user, "send the quote to their procurement team", {
      name: "outlook_send_message",
      args: { toRecipients: ["procurement@fabrikam.example"], subject: "Quote", body: "Attached." },
    });
    expectAskedFor(unnamed, "outlook_send_message", "procurement@fabrikam.example");
    expect(sent("procurement@fabrikam.example")).toHaveLength(1);

    const laptop = env.sandbox.emulators.outlook
      .inspect(user)
      .events.find((e) => e.subject === "Laptop refresh pickup")?.id as string;
    const kept = await turn(
      env,
      user,
      "cancel the laptop pickup",
      { name: "outlook_delete_calendar_event", args: { event_id: laptop } },
      "reject",
    );
    expect(kept.approvals.map((a) => [a.tool, a.effect, a.reason])).toEqual([
      ["outlook_delete_calendar_event", "destructive", "policy"],
    ]);
    expect(kept.status).toBe("error");
    expect(env.sandbox.emulators.outlook.inspect(user).deletedEventIds).toEqual([]);
  });
});
